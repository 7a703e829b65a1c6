#include <gtest/gtest.h>

#include "rw/detect/box.hpp"
#include "rw/detect/nms.hpp"

namespace rw::detect {
namespace {

Detection det(float x1, float y1, float x2, float y2, float score, int class_id = 0) {
  return {{x1, y1, x2, y2}, class_id, score};
}

std::vector<float> scores_of(const std::vector<Detection> &detections) {
  std::vector<float> scores;
  for (const Detection &d : detections) scores.push_back(d.score);
  return scores;
}

TEST(Iou, IdenticalBoxesAreOne) {
  EXPECT_FLOAT_EQ(iou({10, 20, 30, 60}, {10, 20, 30, 60}), 1.0f);
}

TEST(Iou, DisjointAndTouchingBoxesAreZero) {
  EXPECT_FLOAT_EQ(iou({0, 0, 10, 10}, {20, 20, 30, 30}), 0.0f);
  EXPECT_FLOAT_EQ(iou({0, 0, 10, 10}, {10, 0, 20, 10}), 0.0f);
  EXPECT_FLOAT_EQ(iou({0, 0, 10, 10}, {10, 10, 20, 20}), 0.0f);
}

TEST(Iou, ContainedBoxIsAreaRatio) {
  // 5x5 inside 10x10: 25 / 100.
  EXPECT_FLOAT_EQ(iou({0, 0, 10, 10}, {2, 2, 7, 7}), 0.25f);
  EXPECT_FLOAT_EQ(iou({2, 2, 7, 7}, {0, 0, 10, 10}), 0.25f);
}

TEST(Iou, HalfOverlap) {
  // Intersection 5x10 = 50, union 100 + 100 - 50 = 150.
  EXPECT_FLOAT_EQ(iou({0, 0, 10, 10}, {5, 0, 15, 10}), 1.0f / 3.0f);
  // Intersection 2x3 = 6, union 4*6 + 3*3 - 6 = 27.
  EXPECT_FLOAT_EQ(iou({0, 0, 4, 6}, {2, 3, 5, 6}), 6.0f / 27.0f);
}

TEST(Iou, EmptyBoxesAreZero) {
  EXPECT_FLOAT_EQ(iou({5, 5, 5, 5}, {5, 5, 5, 5}), 0.0f);
  EXPECT_FLOAT_EQ(iou({0, 0, 0, 10}, {0, 0, 10, 10}), 0.0f);
  EXPECT_FLOAT_EQ(iou({10, 10, 0, 0}, {0, 0, 10, 10}), 0.0f);  // inverted corners
}

TEST(Nms, EmptyInput) {
  EXPECT_TRUE(nms_per_class({}, 0.5f).empty());
}

TEST(Nms, SuppressesLowerScoringOverlapOfSameClass) {
  const auto kept = nms_per_class(
      {det(0, 0, 10, 10, 0.6f), det(1, 0, 11, 10, 0.9f), det(50, 50, 60, 60, 0.5f)}, 0.5f);
  EXPECT_EQ(scores_of(kept), (std::vector<float>{0.9f, 0.5f}));
  EXPECT_FLOAT_EQ(kept[0].box.x1, 1.0f);
}

TEST(Nms, DifferentClassesNeverSuppressEachOther) {
  const auto kept = nms_per_class({det(0, 0, 10, 10, 0.9f, 2), det(0, 0, 10, 10, 0.8f, 7)}, 0.5f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].class_id, 2);
  EXPECT_EQ(kept[1].class_id, 7);
}

TEST(Nms, IouEqualToThresholdIsKept) {
  // The second box covers half of the first: IoU exactly 0.5.
  const std::vector<Detection> boxes{det(0, 0, 10, 10, 0.9f), det(0, 0, 10, 5, 0.8f)};
  EXPECT_EQ(nms_per_class(boxes, 0.5f).size(), 2u);
  EXPECT_EQ(nms_per_class(boxes, 0.49f).size(), 1u);
}

TEST(Nms, SuppressedBoxesDoNotSuppressOthers) {
  // B overlaps A and C, A and C do not overlap: greedy keeps A and C.
  const auto kept = nms_per_class(
      {det(0, 0, 10, 10, 0.9f), det(4, 0, 14, 10, 0.8f), det(8, 0, 18, 10, 0.7f)}, 0.3f);
  EXPECT_EQ(scores_of(kept), (std::vector<float>{0.9f, 0.7f}));
}

TEST(Nms, SortsByScoreDescending) {
  const auto kept = nms_per_class(
      {det(0, 0, 1, 1, 0.3f), det(10, 0, 11, 1, 0.9f), det(20, 0, 21, 1, 0.6f)}, 0.5f);
  EXPECT_EQ(scores_of(kept), (std::vector<float>{0.9f, 0.6f, 0.3f}));
}

TEST(Nms, TiesKeepInputOrder) {
  std::vector<Detection> boxes;
  for (int i = 0; i < 20; ++i) boxes.push_back(det(10.0f * i, 0, 10.0f * i + 5, 5, 0.5f, i));
  const auto kept = nms_per_class(boxes, 0.5f);
  ASSERT_EQ(kept.size(), boxes.size());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(kept[i].class_id, i);

  // Of two equal-score overlapping boxes, the first one given survives.
  const auto overlapping = nms_per_class({det(0, 0, 10, 9, 0.5f), det(0, 0, 10, 10, 0.5f)}, 0.5f);
  ASSERT_EQ(overlapping.size(), 1u);
  EXPECT_FLOAT_EQ(overlapping[0].box.y2, 9.0f);
}

TEST(Nms, CapsAtMaxDetections) {
  std::vector<Detection> boxes;
  for (int i = 0; i < 10; ++i) boxes.push_back(det(10.0f * i, 0, 10.0f * i + 5, 5, 0.1f * i));
  const auto kept = nms_per_class(boxes, 0.5f, 3);
  EXPECT_EQ(scores_of(kept), (std::vector<float>{0.1f * 9, 0.1f * 8, 0.1f * 7}));
  EXPECT_TRUE(nms_per_class(boxes, 0.5f, 0).empty());
}

}  // namespace
}  // namespace rw::detect

// Class-agnostic suppression keeps one box for a vehicle boxed as both car and truck, and
// reports indices into the input, best first.
TEST(NmsKeptIndices, AcrossClassesKeepsTheBestBoxOnce) {
  using rw::detect::Detection;
  const std::vector<Detection> dets{{{0, 0, 10, 10}, 2, 0.6f},     // car
                                    {{1, 0, 11, 10}, 7, 0.8f},     // truck, same vehicle
                                    {{50, 50, 60, 60}, 2, 0.7f}};  // another car
  EXPECT_EQ(rw::detect::nms_kept_indices(dets, 0.5f, false), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(rw::detect::nms_kept_indices(dets, 0.5f, true), (std::vector<std::size_t>{1, 2, 0}));
}
