#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <string>

#include "rw/schema/frame_record.hpp"

namespace rw::gst {

// The roadwatch/1 record of one video frame, from its roadwatch metadata: objects from the ROI
// metas and their params, stats and events from the RwZoneFrame meta, pts_ns from the buffer,
// ts_unix_ms from the wall clock now. Warns once per stream (the caller's `warned` flag) when
// a scaler upstream dropped the params.
rw::schema::FrameRecord frame_record(GstElement *element, GstBuffer *buffer,
                                     const GstVideoInfo &info, std::string source_id,
                                     guint64 frame_number, bool &warned_dropped_params);

}  // namespace rw::gst
