#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_META_CONVERT (gst_meta_convert_get_type())
G_DECLARE_FINAL_TYPE(GstMetaConvert, gst_meta_convert, GST, META_CONVERT, GstElement)

GST_ELEMENT_REGISTER_DECLARE(metaconvert);

G_END_DECLS
