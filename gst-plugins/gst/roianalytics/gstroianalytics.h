#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ROI_ANALYTICS (gst_roi_analytics_get_type())
G_DECLARE_FINAL_TYPE(GstRoiAnalytics, gst_roi_analytics, GST, ROI_ANALYTICS, GstElement)

GST_ELEMENT_REGISTER_DECLARE(roianalytics);

G_END_DECLS
