#include "rw/snapshot/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rw/common/error.hpp"
#include "rw/draw/overlay.hpp"

namespace rw::snapshot {
namespace {

using rw::zones::Event;
using rw::zones::EventType;

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

const rw::schema::ObjectRecord *vehicle_of(const rw::schema::FrameRecord &record,
                                           const Event &event) {
  for (const rw::schema::ObjectRecord &object : record.objects) {
    if (object.track_id == event.track_id) return &object;
  }
  return nullptr;
}

rw::draw::OverlayObject overlay_of(const rw::schema::ObjectRecord &object, const Event &event,
                                   int frame_w, int frame_h) {
  const rw::schema::NormBox &b = object.bbox;
  const int x = int(std::lround(b.x * frame_w)), y = int(std::lround(b.y * frame_h));
  rw::draw::OverlayObject drawn;
  drawn.rect_px = {x, y, int(std::lround((b.x + b.w) * frame_w)) - x,
                   int(std::lround((b.y + b.h) * frame_h)) - y};
  drawn.track_id = object.track_id;
  drawn.class_id = object.class_id;
  drawn.label = object.label;
  drawn.confidence = object.confidence;
  drawn.speed = event.speed_kmh ? event.speed_kmh : object.speed_kmh;  // events are in km/h
  drawn.speed_unit = "km/h";
  return drawn;
}

// A BGR copy of the frame: the JPEG encoder's order, and never a drawing into the buffer the
// other branches of the pipeline still read.
cv::Mat bgr_copy(const cv::Mat &frame, bool rgb_order) {
  cv::Mat bgr;
  if (frame.channels() == 3) {
    if (rgb_order) {
      cv::cvtColor(frame, bgr, cv::COLOR_RGB2BGR);
    } else {
      bgr = frame.clone();
    }
  } else {
    cv::cvtColor(frame, bgr, rgb_order ? cv::COLOR_RGBA2BGR : cv::COLOR_BGRA2BGR);
  }
  return bgr;
}

}  // namespace

std::set<EventType> parse_event_types(std::string_view list) {
  std::set<EventType> types;
  if (trim(list).empty()) return types;
  std::string_view rest = list;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view name = trim(rest.substr(0, comma));
    const std::optional<EventType> type = rw::zones::event_type_from(name);
    if (!type || *type == EventType::kEndOfStream) {
      throw Error("snapshot events '" + std::string(list) + "': '" + std::string(name) +
                  "' is not an event type with a vehicle (enter, exit, line_cross, speeding)");
    }
    types.insert(*type);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return types;
}

bool wants_snapshot(const rw::schema::FrameRecord &record, const SnapshotOptions &options) {
  for (const Event &event : record.events) {
    if (options.types.contains(event.type)) return true;
  }
  return false;
}

std::map<std::size_t, std::string> event_snapshots(const rw::schema::FrameRecord &record,
                                                   const cv::Mat &frame,
                                                   const SnapshotOptions &options) {
  if (frame.depth() != CV_8U || (frame.channels() != 3 && frame.channels() != 4) ||
      frame.cols != record.frame_w || frame.rows != record.frame_h) {
    throw Error("snapshot: the frame is not an 8-bit 3- or 4-channel image of the record's size");
  }
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    throw Error("snapshot: JPEG quality " + std::to_string(options.jpeg_quality) +
                " is outside 1..100");
  }
  std::map<std::size_t, std::string> jpegs;
  rw::draw::OverlayStyle style;
  style.show_confidence = false;
  // Twice trafficoverlay's stroke: a one-pixel box would blur away in the JPEG's chroma.
  style.line_thickness_px = std::max(2, frame.rows / 180);
  for (std::size_t i = 0; i < record.events.size(); ++i) {
    const Event &event = record.events[i];
    if (!options.types.contains(event.type)) continue;
    const rw::schema::ObjectRecord *vehicle = vehicle_of(record, event);
    if (vehicle == nullptr) continue;
    cv::Mat picture = bgr_copy(frame, options.rgb_order);
    rw::draw::draw_objects(picture, {overlay_of(*vehicle, event, frame.cols, frame.rows)}, style);
    std::vector<unsigned char> bytes;
    if (!cv::imencode(".jpg", picture, bytes, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality})) {
      throw Error("snapshot: OpenCV could not encode the JPEG");
    }
    jpegs.emplace(i, std::string(bytes.begin(), bytes.end()));
  }
  return jpegs;
}

}  // namespace rw::snapshot
