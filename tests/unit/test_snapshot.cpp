// Event snapshots: which event types are selected, which events get a JPEG, and what it shows
// (the frame with the event's vehicle boxed in its class colour and captioned above), decoded
// back and checked pixel by pixel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rw/common/error.hpp"
#include "rw/draw/overlay.hpp"
#include "rw/snapshot/snapshot.hpp"

namespace {

using rw::schema::FrameRecord;
using rw::snapshot::SnapshotOptions;
using rw::zones::Event;
using rw::zones::EventType;

constexpr int kW = 320, kH = 240;
const cv::Scalar kGrey(40, 40, 40);

TEST(SnapshotEvents, ParsesTypeLists) {
  using Types = std::set<EventType>;
  EXPECT_EQ(rw::snapshot::parse_event_types(""), Types{});
  EXPECT_EQ(rw::snapshot::parse_event_types("  "), Types{});
  EXPECT_EQ(rw::snapshot::parse_event_types("speeding"), Types{EventType::kSpeeding});
  EXPECT_EQ(rw::snapshot::parse_event_types(" speeding , line_cross,speeding"),
            (Types{EventType::kSpeeding, EventType::kLineCross}));
  for (const char *bad : {"speed", "speeding,", ",speeding", "end_of_stream", "Speeding"}) {
    try {
      rw::snapshot::parse_event_types(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const rw::Error &e) {
      EXPECT_NE(std::string(e.what()).find("is not an event type with a vehicle"),
                std::string::npos)
          << e.what();
    }
  }
}

Event event(EventType type, std::uint64_t track_id, std::optional<double> speed_kmh) {
  Event e;
  e.type = type;
  e.track_id = track_id;
  e.label = "car";
  e.zone = "roi";
  e.speed_kmh = speed_kmh;
  return e;
}

// Track 5 is on the frame at pixels (80, 120)-(160, 180); track 9 is not.
FrameRecord record_with(std::vector<Event> events) {
  FrameRecord record;
  record.frame_w = kW;
  record.frame_h = kH;
  rw::schema::ObjectRecord car;
  car.track_id = 5;
  car.class_id = 2;
  car.label = "car";
  car.confidence = 0.9;
  car.bbox = {0.25, 0.5, 0.25, 0.25};
  car.speed_kmh = 71;
  record.objects.push_back(car);
  record.events = std::move(events);
  return record;
}

cv::Mat decode(const std::string &jpeg) {
  return cv::imdecode(cv::Mat(1, int(jpeg.size()), CV_8U, const_cast<char *>(jpeg.data())),
                      cv::IMREAD_COLOR);
}

double distance(const cv::Vec3b &pixel, const cv::Scalar &bgr) {
  return cv::norm(cv::Vec3d(pixel[0], pixel[1], pixel[2]) - cv::Vec3d(bgr[0], bgr[1], bgr[2]));
}

// Only selected types, only vehicles on the frame; the picture is the frame with the box in
// the class colour and a caption plate above it, elsewhere the frame as it was (untouched).
TEST(EventSnapshots, BoxesTheEventsVehicle) {
  const FrameRecord record =
      record_with({event(EventType::kSpeeding, 5, 87.4), event(EventType::kEnter, 5, std::nullopt),
                   event(EventType::kSpeeding, 9, 120.0)});
  cv::Mat frame(kH, kW, CV_8UC3, kGrey);
  const cv::Mat before = frame.clone();
  SnapshotOptions options;
  options.types = {EventType::kSpeeding};
  EXPECT_TRUE(rw::snapshot::wants_snapshot(record, options));
  const auto jpegs = rw::snapshot::event_snapshots(record, frame, options);
  EXPECT_EQ(cv::norm(frame, before, cv::NORM_INF), 0.0) << "the frame itself is not drawn on";
  ASSERT_EQ(jpegs.size(), 1u) << "enter is not selected; track 9 is not on the frame";
  ASSERT_TRUE(jpegs.contains(0));
  ASSERT_EQ(jpegs.at(0).substr(0, 2), "\xff\xd8");

  const cv::Mat picture = decode(jpegs.at(0));
  ASSERT_EQ(picture.size(), cv::Size(kW, kH));
  const cv::Scalar colour = rw::draw::class_colour(2);
  EXPECT_LT(distance(picture.at<cv::Vec3b>(150, 80), colour), 60) << "left edge of the box";
  EXPECT_LT(distance(picture.at<cv::Vec3b>(179, 120), colour), 60) << "bottom edge";
  EXPECT_LT(distance(picture.at<cv::Vec3b>(150, 120), kGrey), 12) << "inside the box: the road";
  EXPECT_LT(distance(picture.at<cv::Vec3b>(20, 300), kGrey), 12) << "far away: the frame";
  // The caption plate sits on the box's top edge, in the class colour with dark text.
  const cv::Mat plate = picture(cv::Rect(80, 100, 80, 19));
  EXPECT_GT(cv::norm(cv::mean(plate) - kGrey), 60) << "a caption plate above the box";
}

// RGB(A) frames come out right in the JPEG: a red frame stays red.
TEST(EventSnapshots, ConvertsRgbaOrder) {
  const FrameRecord record = record_with({event(EventType::kLineCross, 5, std::nullopt)});
  cv::Mat rgba(kH, kW, CV_8UC4, cv::Scalar(200, 0, 0, 255));  // R, G, B, A
  SnapshotOptions options;
  options.types = {EventType::kLineCross};
  options.rgb_order = true;
  const auto jpegs = rw::snapshot::event_snapshots(record, rgba, options);
  ASSERT_EQ(jpegs.size(), 1u);
  EXPECT_LT(distance(decode(jpegs.at(0)).at<cv::Vec3b>(20, 300), cv::Scalar(0, 0, 200)), 12);
}

TEST(EventSnapshots, NothingSelectedNothingEncoded) {
  const FrameRecord record = record_with({event(EventType::kSpeeding, 5, 90.0)});
  const cv::Mat frame(kH, kW, CV_8UC3, kGrey);
  const SnapshotOptions none;
  EXPECT_FALSE(rw::snapshot::wants_snapshot(record, none));
  EXPECT_TRUE(rw::snapshot::event_snapshots(record, frame, none).empty());
}

// Quality trades size: a noisy frame at 20 is well under half its size at 95.
TEST(EventSnapshots, QualitySetsTheSize) {
  const FrameRecord record = record_with({event(EventType::kSpeeding, 5, 90.0)});
  cv::Mat frame(kH, kW, CV_8UC3);
  cv::randu(frame, 0, 255);
  SnapshotOptions options;
  options.types = {EventType::kSpeeding};
  options.jpeg_quality = 20;
  const std::size_t low = rw::snapshot::event_snapshots(record, frame, options).at(0).size();
  options.jpeg_quality = 95;
  const std::size_t high = rw::snapshot::event_snapshots(record, frame, options).at(0).size();
  EXPECT_LT(2 * low, high);
}

TEST(EventSnapshots, RejectsAFrameThatIsNotTheRecords) {
  const FrameRecord record = record_with({event(EventType::kSpeeding, 5, 90.0)});
  SnapshotOptions options;
  options.types = {EventType::kSpeeding};
  EXPECT_THROW(rw::snapshot::event_snapshots(record, cv::Mat(kH, kW / 2, CV_8UC3), options),
               rw::Error);
  EXPECT_THROW(rw::snapshot::event_snapshots(record, cv::Mat(kH, kW, CV_8UC1), options), rw::Error);
  options.jpeg_quality = 0;
  EXPECT_THROW(rw::snapshot::event_snapshots(record, cv::Mat(kH, kW, CV_8UC3), options), rw::Error);
}

}  // namespace
