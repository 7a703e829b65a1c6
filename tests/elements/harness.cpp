#include "harness.h"

#include <gtest/gtest.h>

namespace rw::test {

void add_detection(GstBuffer *buffer, const rw::meta::BoxPx &box, int frame_w, int frame_h,
                   const rw::meta::Detection &detection) {
  rw::meta::Object object;
  object.box = box;
  object.detection = detection;
  rw::meta::add_object(buffer, object, frame_w, frame_h);
}

GstCaps *video_caps(GstVideoFormat format, int width, int height) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, format, guint(width), guint(height));
  GST_VIDEO_INFO_FPS_N(&info) = 30;
  GST_VIDEO_INFO_FPS_D(&info) = 1;
  return gst_video_info_to_caps(&info);
}

GstBuffer *video_frame(GstVideoFormat format, int width, int height, GstClockTime pts) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, format, guint(width), guint(height));
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  gst_buffer_memset(buffer, 0, 0, GST_VIDEO_INFO_SIZE(&info));
  gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, format, guint(width),
                                 guint(height), GST_VIDEO_INFO_N_PLANES(&info), info.offset,
                                 info.stride);
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = GST_SECOND / 30;
  return buffer;
}

std::string synthetic_model(const char *name) {
  return std::string(RW_SYNTHETIC_MODELS_DIR) + "/" + name;
}

std::vector<std::string> bus_messages(GstBus *bus, GstMessageType type) {
  std::vector<std::string> texts;
  while (GstMessage *message = gst_bus_pop_filtered(bus, type)) {
    GError *error = nullptr;
    gchar *debug = nullptr;
    if (type == GST_MESSAGE_ERROR) gst_message_parse_error(message, &error, &debug);
    if (type == GST_MESSAGE_WARNING) gst_message_parse_warning(message, &error, &debug);
    texts.emplace_back(error != nullptr ? error->message : "");
    g_clear_error(&error);
    g_free(debug);
    gst_message_unref(message);
  }
  return texts;
}

StartResult start_element(GstElement *element) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  StartResult result{gst_element_set_state(element, GST_STATE_PLAYING), ""};
  const std::vector<std::string> errors = bus_messages(bus, GST_MESSAGE_ERROR);
  if (!errors.empty()) result.error = errors.front();
  gst_element_set_state(element, GST_STATE_NULL);
  gst_element_set_bus(element, nullptr);
  gst_object_unref(bus);
  return result;
}

}  // namespace rw::test
