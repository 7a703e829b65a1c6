#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_REDIS_SINK (gst_redis_sink_get_type())
G_DECLARE_FINAL_TYPE(GstRedisSink, gst_redis_sink, GST, REDIS_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(redissink);

G_END_DECLS
