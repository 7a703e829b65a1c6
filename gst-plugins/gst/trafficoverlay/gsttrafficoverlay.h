#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_TRAFFIC_OVERLAY (gst_traffic_overlay_get_type())
G_DECLARE_FINAL_TYPE(GstTrafficOverlay, gst_traffic_overlay, GST, TRAFFIC_OVERLAY, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(trafficoverlay);

G_END_DECLS
