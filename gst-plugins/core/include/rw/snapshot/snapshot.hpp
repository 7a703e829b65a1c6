#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "rw/schema/frame_record.hpp"
#include "rw/zones/analyzer.hpp"

// Event snapshots (redissink snapshot-events): a JPEG of the frame that reports an event, with
// the event's vehicle boxed and captioned the way trafficoverlay draws it, as evidence of a
// speeding violation.
namespace rw::snapshot {

inline constexpr int kDefaultJpegQuality = 85;

// "speeding" or "speeding, line_cross": the event types to snapshot; "" selects none. Throws
// rw::Error naming an empty or unknown entry, and end_of_stream (it has no vehicle to show).
std::set<rw::zones::EventType> parse_event_types(std::string_view list);

struct SnapshotOptions {
  std::set<rw::zones::EventType> types;
  int jpeg_quality = kDefaultJpegQuality;  // 1..100
  bool rgb_order = false;                  // the frame is RGB(x/A) rather than BGR(x/A)
};

// Whether any event of the record is of a selected type: the frame is worth mapping.
bool wants_snapshot(const rw::schema::FrameRecord &record, const SnapshotOptions &options);

// For each event of a selected type whose track is on the record's frame (one of its objects):
// the frame (8-bit, 3 or 4 channels, the record's size; left untouched) with that object boxed
// and captioned "#id label speed" (the event's speed when it has one, else the object's), as
// a JPEG, keyed by the event's index in record.events. An event whose vehicle is not on the
// frame (a track dropped after a timeout) gets none: a picture without it proves nothing.
// Throws rw::Error for a frame of another size or channel count, or a quality out of range.
std::map<std::size_t, std::string> event_snapshots(const rw::schema::FrameRecord &record,
                                                   const cv::Mat &frame,
                                                   const SnapshotOptions &options);

}  // namespace rw::snapshot
