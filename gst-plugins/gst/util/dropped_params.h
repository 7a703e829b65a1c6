#pragma once

#include <gst/gst.h>

#include <vector>

#include "meta/rwmeta.h"

namespace rw::gst {

// In GStreamer 1.22, videoconvert and videoscale keep ROI metas but drop their params, so
// objects arrive without class or confidence. Posts one element warning per stream naming
// the fix instead of losing them silently; `warned` is the caller's per-stream flag.
void warn_if_params_dropped(GstElement *element, const std::vector<rw::meta::Object> &objects,
                            bool &warned);

}  // namespace rw::gst
