#include "util/dropped_params.h"

#include <algorithm>

namespace rw::gst {

void warn_if_params_dropped(GstElement *element, const std::vector<rw::meta::Object> &objects,
                            bool &warned) {
  if (warned) return;
  const bool bare = std::any_of(objects.begin(), objects.end(),
                                [](const rw::meta::Object &o) { return !o.detection; });
  if (!bare) return;
  warned = true;
  GST_ELEMENT_WARNING(element, STREAM, FORMAT,
                      ("Objects arrived without their detection metadata: an element between "
                       "yolodetect and %s (videoconvert, videoscale) dropped it. Convert or "
                       "scale before yolodetect.",
                       GST_ELEMENT_NAME(element)),
                      (nullptr));
}

}  // namespace rw::gst
