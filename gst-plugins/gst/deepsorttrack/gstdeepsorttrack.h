#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_DEEP_SORT_TRACK (gst_deep_sort_track_get_type())
G_DECLARE_FINAL_TYPE(GstDeepSortTrack, gst_deep_sort_track, GST, DEEP_SORT_TRACK, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(deepsorttrack);

G_END_DECLS
