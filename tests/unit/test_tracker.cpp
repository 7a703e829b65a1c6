// The DeepSORT + ByteTrack tracker: a golden-file regression over a synthetic scene, then
// one test per rule (confirmation, deletion, ids, low-score recovery, intervals, cascade,
// bounds).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/persistence.hpp>

#include "rw/track/tracker.hpp"

namespace {

using rw::track::to_string;
using rw::track::TrackerConfig;
using rw::track::TrackInput;
using rw::track::TrackOutput;
using rw::track::TrackState;
using Tracker = rw::track::Tracker;

const std::string kGoldenDir = std::string(RW_TEST_DATA_DIR) + "/tracker_golden/";

TrackInput detection(float cx, float cy, float score = 0.9f, std::vector<float> feature = {},
                     int class_id = 2, float w = 40, float h = 80) {
  return {{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, class_id, score, std::move(feature)};
}

float centre_x(const TrackOutput &t) {
  return (t.box.x1 + t.box.x2) / 2;
}

// Feeds a static object until its track is confirmed; returns the track's id.
std::uint64_t confirmed_track(Tracker &tracker, float cx, float cy,
                              std::vector<float> feature = {}) {
  std::vector<TrackOutput> out;
  for (int i = 0; i < tracker.config().n_init; ++i) {
    out = tracker.update({detection(cx, cy, 0.9f, feature)});
  }
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at(0).state, TrackState::kConfirmed);
  return out.at(0).id;
}

// ---- golden file -------------------------------------------------------------------------

// detections.json; features are kept only with_features (otherwise the tracker runs
// motion-only).
std::vector<std::vector<TrackInput>> read_golden_detections(bool with_features) {
  cv::FileStorage fs(kGoldenDir + "detections.json",
                     cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
  EXPECT_TRUE(fs.isOpened());
  std::vector<std::vector<TrackInput>> frames;
  for (const cv::FileNode &frame : fs["frames"]) {
    std::vector<TrackInput> detections;
    for (const cv::FileNode &d : frame["detections"]) {
      const cv::FileNode box = d["box"];
      TrackInput input{{static_cast<float>(box[0].real()), static_cast<float>(box[1].real()),
                        static_cast<float>(box[2].real()), static_cast<float>(box[3].real())},
                       static_cast<int>(d["class_id"]),
                       static_cast<float>(d["score"].real()),
                       {}};
      if (with_features) {
        for (const cv::FileNode &x : d["feature"])
          input.feature.push_back(static_cast<float>(x.real()));
      }
      detections.push_back(std::move(input));
    }
    frames.push_back(std::move(detections));
  }
  return frames;
}

void write_golden_tracks(const std::string &path, const std::string &note,
                         const std::vector<std::vector<TrackOutput>> &frames) {
  std::ofstream out(path);
  out << "{\n  \"note\": \"" << note << "\",\n  \"frames\": [\n";
  for (std::size_t f = 0; f < frames.size(); ++f) {
    out << "    {\"frame\": " << f << ", \"tracks\": [";
    for (std::size_t i = 0; i < frames[f].size(); ++i) {
      const TrackOutput &t = frames[f][i];
      char numbers[160];
      std::snprintf(numbers, sizeof numbers, "\"score\": %.2f, \"box\": [%.4f, %.4f, %.4f, %.4f]",
                    t.score, t.box.x1, t.box.y1, t.box.x2, t.box.y2);
      out << (i ? ",\n      " : "\n      ") << "{\"id\": " << t.id << ", \"state\": \""
          << to_string(t.state) << "\", \"detection\": " << t.detection
          << ", \"class_id\": " << t.class_id << ", \"hits\": " << t.hits
          << ", \"misses\": " << t.misses << ", " << numbers << "}";
    }
    out << "]}" << (f + 1 < frames.size() ? ",\n" : "\n");
  }
  out << "  ]\n}\n";
}

void expect_golden(const std::string &file, bool with_features, const std::string &note) {
  const std::vector<std::vector<TrackInput>> inputs = read_golden_detections(with_features);
  ASSERT_EQ(inputs.size(), 60u);
  Tracker tracker(TrackerConfig{});
  std::vector<std::vector<TrackOutput>> outputs;
  for (const auto &detections : inputs) outputs.push_back(tracker.update(detections));

  if (std::getenv("RW_REGENERATE_TRACKER_GOLDEN") != nullptr) {
    write_golden_tracks(kGoldenDir + file, note, outputs);
    GTEST_SKIP() << "rewrote " << kGoldenDir << file;
  }
  cv::FileStorage fs(kGoldenDir + file, cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
  ASSERT_TRUE(fs.isOpened());
  const cv::FileNode frames = fs["frames"];
  ASSERT_EQ(frames.size(), outputs.size());
  for (std::size_t f = 0; f < outputs.size(); ++f) {
    SCOPED_TRACE("frame " + std::to_string(f));
    const cv::FileNode expected = frames[static_cast<int>(f)]["tracks"];
    ASSERT_EQ(outputs[f].size(), expected.size());
    for (std::size_t i = 0; i < outputs[f].size(); ++i) {
      const TrackOutput &t = outputs[f][i];
      const cv::FileNode e = expected[static_cast<int>(i)];
      EXPECT_EQ(t.id, static_cast<std::uint64_t>(static_cast<int>(e["id"])));
      EXPECT_EQ(to_string(t.state), e["state"].string());
      EXPECT_EQ(t.detection, static_cast<int>(e["detection"]));
      EXPECT_EQ(t.class_id, static_cast<int>(e["class_id"]));
      EXPECT_EQ(t.hits, static_cast<std::uint32_t>(static_cast<int>(e["hits"])));
      EXPECT_EQ(t.misses, static_cast<std::uint32_t>(static_cast<int>(e["misses"])));
      EXPECT_NEAR(t.score, e["score"].real(), 1e-3);
      const cv::FileNode box = e["box"];
      EXPECT_NEAR(t.box.x1, box[0].real(), 1e-2);
      EXPECT_NEAR(t.box.y1, box[1].real(), 1e-2);
      EXPECT_NEAR(t.box.x2, box[2].real(), 1e-2);
      EXPECT_NEAR(t.box.y2, box[3].real(), 1e-2);
    }
  }
}

// What the ids do in both files, checked by hand (the scene is described in make_golden.py).
constexpr const char *kExpectedIds =
    "A=1, B=2, C=3 in all frames through A's score dip, the A/B crossing and C's occlusion; "
    "clutter: frame 10 untracked, frame 30 tentative id 4 for one frame (checked by hand)";

TEST(TrackerGolden, MotionOnly) {
  expect_golden("tracks.json", false,
                std::string("Default TrackerConfig, detections.json without features. ") +
                    kExpectedIds +
                    ". Rewrite: RW_REGENERATE_TRACKER_GOLDEN=1 rw_unit_tests "
                    "--gtest_filter=TrackerGolden.*");
}

TEST(TrackerGolden, WithAppearance) {
  expect_golden("tracks_appearance.json", true,
                std::string("Default TrackerConfig, detections.json with features. ") +
                    kExpectedIds +
                    ". Rewrite: RW_REGENERATE_TRACKER_GOLDEN=1 rw_unit_tests "
                    "--gtest_filter=TrackerGolden.*");
}

// ---- rules -------------------------------------------------------------------------------

TEST(Tracker, StateNames) {
  EXPECT_STREQ(to_string(TrackState::kTentative), "tentative");
  EXPECT_STREQ(to_string(TrackState::kConfirmed), "confirmed");
}

TEST(Tracker, IdStableUnderOverlapAcrossFrames) {
  Tracker tracker(TrackerConfig{});
  for (int f = 0; f < 20; ++f) {
    const auto out = tracker.update({detection(100.0f + 5 * f, 200)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].id, 1u);
    EXPECT_EQ(out[0].detection, 0);
    EXPECT_EQ(out[0].hits, static_cast<std::uint32_t>(f + 1));
    EXPECT_EQ(out[0].age, static_cast<std::uint32_t>(f));
    EXPECT_EQ(out[0].misses, 0u);
  }
}

TEST(Tracker, OutputBoxIsTheKalmanEstimate) {
  Tracker tracker(TrackerConfig{});
  const auto first = tracker.update({detection(100, 200)});
  EXPECT_FLOAT_EQ(first[0].box.x1, 80);
  EXPECT_FLOAT_EQ(first[0].box.y2, 240);
  // The filter trusts its prior a little: the estimate lies between prior and measurement.
  const auto second = tracker.update({detection(110, 200)});
  EXPECT_GT(centre_x(second[0]), 100);
  EXPECT_LT(centre_x(second[0]), 110);
}

TEST(Tracker, TentativeConfirmedAfterNInit) {
  TrackerConfig config;
  config.n_init = 3;
  Tracker tracker(config);
  for (int f = 0; f < 3; ++f) {
    const auto out = tracker.update({detection(100, 200)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].state, f < 2 ? TrackState::kTentative : TrackState::kConfirmed) << f;
  }
}

TEST(Tracker, NInitOfOneConfirmsAtOnce) {
  TrackerConfig config;
  config.n_init = 1;
  Tracker tracker(config);
  EXPECT_EQ(tracker.update({detection(100, 200)}).at(0).state, TrackState::kConfirmed);
}

TEST(Tracker, TentativeTrackMissedOnceIsDeleted) {
  Tracker tracker(TrackerConfig{});
  tracker.update({detection(100, 200)});
  tracker.update({detection(100, 200)});
  EXPECT_TRUE(tracker.update({}).empty());
  EXPECT_EQ(tracker.update({detection(100, 200)}).at(0).id, 2u);
}

TEST(Tracker, SurvivesGapShorterThanMaxAge) {
  TrackerConfig config;
  config.max_age = 5;
  Tracker tracker(config);
  const std::uint64_t id = confirmed_track(tracker, 100, 200);
  // Found again on the 5th frame after its last match: misses reach max_age, not beyond.
  for (std::uint32_t gap = 1; gap <= 4; ++gap) {
    const auto out = tracker.update({});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].misses, gap);
    EXPECT_EQ(out[0].detection, -1);
    EXPECT_EQ(out[0].state, TrackState::kConfirmed);
  }
  const auto out = tracker.update({detection(100, 200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, id);
  EXPECT_EQ(out[0].misses, 0u);
  EXPECT_EQ(out[0].detection, 0);
}

TEST(Tracker, DeletedAfterMaxAge) {
  TrackerConfig config;
  config.max_age = 5;
  Tracker tracker(config);
  const std::uint64_t id = confirmed_track(tracker, 100, 200);
  for (std::uint32_t gap = 1; gap <= 5; ++gap) EXPECT_EQ(tracker.update({}).at(0).misses, gap);
  // The 6th frame would make misses 6 > max_age: the track is gone before matching.
  const auto out = tracker.update({detection(100, 200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].id, id);
  EXPECT_EQ(out[0].state, TrackState::kTentative);
}

TEST(Tracker, IdsNeverReusedEvenAfterReset) {
  Tracker tracker(TrackerConfig{});
  auto out = tracker.update({detection(100, 200), detection(400, 200)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[1].id, 2u);
  tracker.reset();
  EXPECT_TRUE(tracker.predict().empty());
  out = tracker.update({detection(100, 200), detection(400, 200)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 3u);
  EXPECT_EQ(out[1].id, 4u);
}

// A rebuilt pipeline's tracker starts where the old one's ids cannot reach (roadwatch-run).
TEST(Tracker, IdsStartAtFirstId) {
  TrackerConfig config;
  config.first_id = 1000000001;
  Tracker tracker(config);
  auto out = tracker.update({detection(100, 200), detection(400, 200)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 1000000001u);
  EXPECT_EQ(out[1].id, 1000000002u);
  tracker.reset();
  config.first_id = 5;  // only read when the tracker is made: the count never goes back
  tracker.set_config(config);
  out = tracker.update({detection(100, 200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, 1000000003u);
}

TEST(Tracker, FirstIdZeroStartsAtOne) {
  TrackerConfig config;
  config.first_id = 0;
  Tracker tracker(config);
  EXPECT_EQ(tracker.update({detection(100, 200)}).at(0).id, 1u);
}

TEST(Tracker, OutputOrderedByIdWithDetectionIndices) {
  Tracker tracker(TrackerConfig{});
  tracker.update({detection(100, 200), detection(400, 200), detection(700, 200)});
  // Same objects, listed in reverse, plus a new one first.
  const auto out = tracker.update(
      {detection(1000, 200), detection(700, 200), detection(400, 200), detection(100, 200)});
  ASSERT_EQ(out.size(), 4u);
  const std::vector<int> expected_detection{3, 2, 1, 0};
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].id, i + 1);
    EXPECT_EQ(out[i].detection, expected_detection[i]);
  }
}

TEST(Tracker, LowScoreDetectionKeepsConfirmedTrack) {
  Tracker tracker(TrackerConfig{});
  const std::uint64_t id = confirmed_track(tracker, 100, 200);
  for (int f = 1; f <= 3; ++f) {
    // Partly occluded: lower score, and the detector calls it a truck.
    const auto out = tracker.update({detection(100.0f + 2 * f, 200, 0.3f, {}, 7)});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].id, id);
    EXPECT_EQ(out[0].detection, 0);
    EXPECT_EQ(out[0].misses, 0u);
    EXPECT_FLOAT_EQ(out[0].score, 0.3f);
    EXPECT_EQ(out[0].class_id, 2) << "the class comes from high-score matches only";
  }
}

TEST(Tracker, LowScoreDetectionNeverStartsATrack) {
  Tracker tracker(TrackerConfig{});
  for (int f = 0; f < 5; ++f) EXPECT_TRUE(tracker.update({detection(100, 200, 0.3f)}).empty());
}

TEST(Tracker, LowScoreDetectionDoesNotContinueATentativeTrack) {
  Tracker tracker(TrackerConfig{});
  tracker.update({detection(100, 200)});
  EXPECT_TRUE(tracker.update({detection(100, 200, 0.3f)}).empty());
}

TEST(Tracker, ScoresBelowLowThresholdAreIgnored) {
  Tracker tracker(TrackerConfig{});
  confirmed_track(tracker, 100, 200);
  const auto out = tracker.update({detection(100, 200, 0.05f)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detection, -1);
  EXPECT_EQ(out[0].misses, 1u);
}

TEST(Tracker, UnusableBoxesAreIgnored) {
  Tracker tracker(TrackerConfig{});
  const TrackInput flat{{10, 10, 50, 10}, 2, 0.9f, {}};
  const TrackInput inverted{{50, 50, 10, 10}, 2, 0.9f, {}};
  EXPECT_TRUE(tracker.update({flat, inverted}).empty());
}

TEST(Tracker, ClassComesFromTheLastHighScoreMatch) {
  Tracker tracker(TrackerConfig{});
  tracker.update({detection(100, 200, 0.9f, {}, 2)});
  EXPECT_EQ(tracker.update({detection(100, 200, 0.9f, {}, 7)}).at(0).class_id, 7);
}

TEST(Tracker, PredictFramesDoNotKillTentativeTracks) {
  Tracker tracker(TrackerConfig{});
  tracker.update({detection(100, 200)});
  for (int f = 0; f < 3; ++f) {
    const auto out = tracker.predict();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].state, TrackState::kTentative);
    EXPECT_EQ(out[0].detection, -1);
  }
  const auto out = tracker.update({detection(100, 200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[0].hits, 2u);
  EXPECT_EQ(out[0].age, 4u);
}

TEST(Tracker, PredictFollowsTheVelocity) {
  Tracker tracker(TrackerConfig{});
  for (int f = 0; f < 30; ++f) tracker.update({detection(100.0f + 10 * f, 200)});
  const float last = 100.0f + 10 * 29;
  const auto out = tracker.predict();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(centre_x(out[0]), last + 10, 0.5);
  EXPECT_EQ(out[0].misses, 1u);
  // Detection every third frame: the track is matched where it is predicted to be.
  tracker.predict();
  const auto matched = tracker.update({detection(last + 30, 200)});
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0].id, out[0].id);
  EXPECT_EQ(matched[0].detection, 0);
}

TEST(Tracker, PredictDeletesAfterMaxAge) {
  TrackerConfig config;
  config.max_age = 4;
  Tracker tracker(config);
  confirmed_track(tracker, 100, 200);
  for (int f = 0; f < 4; ++f) EXPECT_EQ(tracker.predict().size(), 1u);
  EXPECT_TRUE(tracker.predict().empty());
}

TEST(Tracker, ConfirmedTrackComesBeforeATentativeOne) {
  Tracker tracker(TrackerConfig{});
  const std::uint64_t id = confirmed_track(tracker, 100, 200);
  tracker.update({detection(100, 200), detection(112, 200)});  // starts a tentative track
  // One box, nearer the tentative track: the confirmed track takes it, the tentative one dies.
  const auto out = tracker.update({detection(110, 200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, id);
  EXPECT_EQ(out[0].detection, 0);
}

TEST(Tracker, RecentTrackComesBeforeALostOne) {
  TrackerConfig config;
  config.n_init = 1;
  Tracker tracker(config);
  tracker.update({detection(100, 200), detection(112, 200)});
  tracker.update({detection(100, 200)});  // 112 missed: lost, still within max_age
  const auto out = tracker.update({detection(110, 200)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].detection, 0) << "the track seen a frame ago takes the box";
  EXPECT_EQ(out[1].detection, -1);
  EXPECT_EQ(out[1].misses, 2u);
}

// Feature helpers: orthogonal unit vectors.
std::vector<float> red() {
  return {1, 0, 0};
}
std::vector<float> blue() {
  return {0, 1, 0};
}

TEST(Tracker, AppearanceDecidesWhenMotionIsAmbiguous) {
  for (bool red_first : {true, false}) {
    Tracker tracker(TrackerConfig{});
    const std::uint64_t id = confirmed_track(tracker, 100, 200, red());
    // Two equally near candidates, 4 px either side.
    std::vector<TrackInput> detections{detection(96, 200, 0.9f, red()),
                                       detection(104, 200, 0.9f, blue())};
    if (!red_first) std::swap(detections[0], detections[1]);
    const auto out = tracker.update(detections);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].id, id);
    EXPECT_EQ(out[0].detection, red_first ? 0 : 1);
  }
}

TEST(Tracker, AppearanceCascadeBeatsABetterOverlap) {
  Tracker tracker(TrackerConfig{});
  const std::uint64_t id = confirmed_track(tracker, 100, 200, red());
  // The blue box overlaps the track almost perfectly, the red one less, yet red wins.
  const auto out =
      tracker.update({detection(101, 200, 0.9f, blue()), detection(108, 200, 0.9f, red())});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, id);
  EXPECT_EQ(out[0].detection, 1);
  EXPECT_EQ(out[1].detection, 0);
}

TEST(Tracker, AppearanceMatchIsGatedByMotion) {
  Tracker tracker(TrackerConfig{});
  confirmed_track(tracker, 100, 200, red());
  // Same appearance, but 100 px away from a static track: implausible, a new object.
  const auto out = tracker.update({detection(200, 200, 0.9f, red())});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].detection, -1);
  EXPECT_EQ(out[1].detection, 0);
}

TEST(Tracker, AppearanceRecoversATrackMissedOnAnInferredFrame) {
  Tracker tracker(TrackerConfig{});
  const std::uint64_t id = confirmed_track(tracker, 100, 200, red());
  tracker.update({});
  const auto out = tracker.update({detection(100, 200, 0.9f, red())});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, id);
}

TEST(Tracker, AppearanceMismatchDoesNotRecoverAMissedTrack) {
  // Missed on the last inferred frame, the track may only come back through the cascade.
  Tracker tracker(TrackerConfig{});
  confirmed_track(tracker, 100, 200, red());
  tracker.update({});
  const auto out = tracker.update({detection(100, 200, 0.9f, blue())});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].detection, -1);
  EXPECT_EQ(out[1].detection, 0);
}

TEST(Tracker, NnBudgetKeepsOnlyTheNewestFeatures) {
  for (int budget : {100, 1}) {
    TrackerConfig config;
    config.nn_budget = budget;
    Tracker tracker(config);
    const std::uint64_t id = confirmed_track(tracker, 100, 200, red());
    tracker.update({detection(100, 200, 0.9f, blue())});  // gallery: red x3, blue
    tracker.update({});
    const auto out = tracker.update({detection(100, 200, 0.9f, red())});
    EXPECT_EQ(out.at(0).detection, budget == 100 ? 0 : -1) << budget;
    EXPECT_EQ(out.back().id, budget == 100 ? id : id + 1) << budget;
  }
}

TEST(Tracker, SetConfigTrimsGalleries) {
  Tracker tracker(TrackerConfig{});
  confirmed_track(tracker, 100, 200, red());
  tracker.update({detection(100, 200, 0.9f, blue())});
  TrackerConfig config;
  config.nn_budget = 1;
  tracker.set_config(config);
  EXPECT_EQ(tracker.config().nn_budget, 1);
  tracker.update({});
  EXPECT_EQ(tracker.update({detection(100, 200, 0.9f, red())}).at(0).detection, -1);
}

TEST(Tracker, MaxTracksBound) {
  TrackerConfig config;
  config.max_tracks = 3;
  Tracker tracker(config);
  std::vector<TrackInput> detections;
  for (int i = 0; i < 5; ++i) detections.push_back(detection(100.0f + 100 * i, 200));
  for (int f = 0; f < 5; ++f) {
    const auto out = tracker.update(detections);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[2].id, 3u);
  }
  config.max_tracks = 1;
  tracker.set_config(config);
  EXPECT_EQ(tracker.predict().size(), 1u);
}

}  // namespace
