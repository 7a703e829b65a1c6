#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rw/common/error.hpp"
#include "rw/detect/yolo_decode.hpp"

namespace rw::detect {
namespace {

// A 64x64 input has 8x8 + 4x4 + 2x2 = 84 grid cells: rows 0..63 are stride 8, 64..79 stride 16,
// 80..83 stride 32.
constexpr int kInput = 64;
constexpr int kCells = 84;
constexpr int kClasses = 3;
constexpr int kRowSize = 5 + kClasses;

DecodeParams params(float score_threshold, std::vector<bool> class_mask = {}) {
  DecodeParams p;
  p.input_w = kInput;
  p.input_h = kInput;
  p.score_threshold = score_threshold;
  p.class_mask = std::move(class_mask);
  return p;
}

void expect_box(const Box &box, float x1, float y1, float x2, float y2) {
  EXPECT_NEAR(box.x1, x1, 1e-4);
  EXPECT_NEAR(box.y1, y1, 1e-4);
  EXPECT_NEAR(box.x2, x2, 1e-4);
  EXPECT_NEAR(box.y2, y2, 1e-4);
}

std::string error_of(YoloLayout layout, const std::vector<float> &data,
                     const std::vector<int> &shape) {
  try {
    decode(layout, data.data(), shape, params(0.25f));
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

TEST(YoloDecode, LayoutNames) {
  EXPECT_STREQ(to_string(YoloLayout::kYolox), "yolox");
  EXPECT_STREQ(to_string(YoloLayout::kYolov5), "yolov5");
  EXPECT_STREQ(to_string(YoloLayout::kYolov8), "yolov8");
}

TEST(YoloDecode, GridCellCount) {
  EXPECT_EQ(grid_cell_count(416, 416), 3549);
  EXPECT_EQ(grid_cell_count(640, 640), 8400);
  EXPECT_EQ(grid_cell_count(64, 64), kCells);
  EXPECT_EQ(grid_cell_count(640, 384), 80 * 48 + 40 * 24 + 20 * 12);
  EXPECT_EQ(grid_cell_count(416, 256), 52 * 32 + 26 * 16 + 13 * 8);  // 2184
}

TEST(YoloDecode, InferLayout) {
  using V = std::vector<int>;
  EXPECT_EQ(infer_layout(V{1, 3549, 85}, 416, 416), YoloLayout::kYolox);
  EXPECT_EQ(infer_layout(V{3549, 85}, 416, 416), YoloLayout::kYolox);
  EXPECT_EQ(infer_layout(V{1, 10647, 85}, 416, 416), YoloLayout::kYolov5);
  EXPECT_EQ(infer_layout(V{1, 84, 3549}, 416, 416), YoloLayout::kYolov8);
  EXPECT_EQ(infer_layout(V{1, 84, 8400}, 640, 640), YoloLayout::kYolov8);
  EXPECT_EQ(infer_layout(V{1, 5, 8400}, 640, 640), YoloLayout::kYolov8);

  EXPECT_EQ(infer_layout(V{1, 3549, 85}, 640, 640), std::nullopt);  // other input size
  EXPECT_EQ(infer_layout(V{1, 1000, 85}, 416, 416), std::nullopt);
  EXPECT_EQ(infer_layout(V{1, 3549, 5}, 416, 416), std::nullopt);   // no class
  EXPECT_EQ(infer_layout(V{1, 4, 3549}, 416, 416), std::nullopt);   // no class
  EXPECT_EQ(infer_layout(V{2, 3549, 85}, 416, 416), std::nullopt);  // batch of 2
  EXPECT_EQ(infer_layout(V{1, 1, 3549, 85}, 416, 416), std::nullopt);
  EXPECT_EQ(infer_layout(V{3549}, 416, 416), std::nullopt);
  EXPECT_EQ(infer_layout(V{}, 416, 416), std::nullopt);
  EXPECT_EQ(infer_layout(V{1, 0, 85}, 0, 0), std::nullopt);
}

class YoloxDecode : public ::testing::Test {
 protected:
  std::vector<float> data_ = std::vector<float>(kCells * kRowSize, 0.0f);
  const std::vector<int> shape_{1, kCells, kRowSize};

  float *row(int index) { return data_.data() + index * kRowSize; }

  // Stride-16 cell (gx 2, gy 1): cx = (0.5 + 2) * 16 = 40, cy = (0.25 + 1) * 16 = 20,
  // w = e^ln2 * 16 = 32, h = e^0 * 16 = 16.
  void set_stride16_cell(float objectness, std::array<float, kClasses> classes) {
    float *r = row(64 + 1 * 4 + 2);
    r[0] = 0.5f;
    r[1] = 0.25f;
    r[2] = std::log(2.0f);
    r[3] = 0.0f;
    r[4] = objectness;
    std::copy(classes.begin(), classes.end(), r + 5);
  }
};

TEST_F(YoloxDecode, DecodesGridCell) {
  set_stride16_cell(0.75f, {0.125f, 0.5f, 0.25f});
  const auto detections = decode(YoloLayout::kYolox, data_.data(), shape_, params(0.25f));
  ASSERT_EQ(detections.size(), 1u);
  expect_box(detections[0].box, 24, 12, 56, 28);
  EXPECT_EQ(detections[0].class_id, 1);
  EXPECT_FLOAT_EQ(detections[0].score, 0.375f);  // objectness x class score
}

TEST_F(YoloxDecode, StridesInOrder) {
  // Last cell of stride 32 (gx 1, gy 1), offsets 0, sizes e^0 * 32.
  float *last = row(83);
  last[4] = 1.0f;
  last[5 + 2] = 1.0f;
  // First cell of stride 8 with log-size ln 4: 32x32 around (4, 4).
  float *first = row(0);
  first[0] = 0.5f;
  first[1] = 0.5f;
  first[2] = std::log(4.0f);
  first[3] = std::log(4.0f);
  first[4] = 1.0f;
  first[5] = 0.5f;
  const auto detections = decode(YoloLayout::kYolox, data_.data(), shape_, params(0.25f));
  ASSERT_EQ(detections.size(), 2u);
  expect_box(detections[0].box, -12, -12, 20, 20);
  EXPECT_EQ(detections[0].class_id, 0);
  expect_box(detections[1].box, 16, 16, 48, 48);
  EXPECT_EQ(detections[1].class_id, 2);
}

TEST_F(YoloxDecode, ScoreThresholdIsInclusive) {
  set_stride16_cell(0.75f, {0.125f, 0.5f, 0.25f});
  EXPECT_EQ(decode(YoloLayout::kYolox, data_.data(), shape_, params(0.375f)).size(), 1u);
  EXPECT_TRUE(decode(YoloLayout::kYolox, data_.data(), shape_, params(0.376f)).empty());
}

TEST_F(YoloxDecode, ScoreIsObjectnessTimesClass) {
  // Class score 1 but objectness 0.5: score 0.5, below a 0.6 threshold.
  set_stride16_cell(0.5f, {0.0f, 1.0f, 0.0f});
  EXPECT_TRUE(decode(YoloLayout::kYolox, data_.data(), shape_, params(0.6f)).empty());
  // Objectness 1 but class score 0.5.
  set_stride16_cell(1.0f, {0.0f, 0.5f, 0.0f});
  EXPECT_TRUE(decode(YoloLayout::kYolox, data_.data(), shape_, params(0.6f)).empty());
}

TEST_F(YoloxDecode, ClassTieGoesToLowerId) {
  set_stride16_cell(1.0f, {0.0f, 0.5f, 0.5f});
  const auto detections = decode(YoloLayout::kYolox, data_.data(), shape_, params(0.25f));
  ASSERT_EQ(detections.size(), 1u);
  EXPECT_EQ(detections[0].class_id, 1);
}

TEST_F(YoloxDecode, ClassMask) {
  set_stride16_cell(0.75f, {0.125f, 0.5f, 0.25f});
  auto detections =
      decode(YoloLayout::kYolox, data_.data(), shape_, params(0.05f, {true, false, true}));
  ASSERT_EQ(detections.size(), 1u);
  EXPECT_EQ(detections[0].class_id, 2);
  EXPECT_FLOAT_EQ(detections[0].score, 0.1875f);

  // A short mask leaves the classes beyond it out.
  detections = decode(YoloLayout::kYolox, data_.data(), shape_, params(0.05f, {true, false}));
  ASSERT_EQ(detections.size(), 1u);
  EXPECT_EQ(detections[0].class_id, 0);
  EXPECT_FLOAT_EQ(detections[0].score, 0.09375f);

  EXPECT_TRUE(decode(YoloLayout::kYolox, data_.data(), shape_, params(0.05f, {false, false, false}))
                  .empty());
  // Only class 2 wanted (0.1875, below 0.2): nothing, although class 1 (0.375) would pass.
  EXPECT_TRUE(
      decode(YoloLayout::kYolox, data_.data(), shape_, params(0.2f, {false, false, true})).empty());
}

TEST_F(YoloxDecode, AcceptsShapeWithoutBatch) {
  set_stride16_cell(0.75f, {0.125f, 0.5f, 0.25f});
  EXPECT_EQ(
      decode(YoloLayout::kYolox, data_.data(), std::vector<int>{kCells, kRowSize}, params(0.25f))
          .size(),
      1u);
}

// A 64x32 input: strides 8, 16, 32 give grids of 8x4, 4x2 and 2x1, 42 cells, each walked row
// by row. The same rows mean other places for a 32x64 input, whose grids are 4x8, 2x4, 1x2.
TEST(YoloDecode, YoloxNonSquareGrid) {
  constexpr int kRectCells = 8 * 4 + 4 * 2 + 2 * 1;
  ASSERT_EQ(grid_cell_count(64, 32), kRectCells);
  std::vector<float> data(kRectCells * kRowSize, 0.0f);
  const auto set = [&](int row, int class_id) {
    float *r = data.data() + row * kRowSize;
    r[0] = 0.5f;  // centre of the cell
    r[1] = 0.5f;
    r[4] = 1.0f;  // log-sizes 0: one stride square
    r[5 + class_id] = 1.0f;
  };
  set(13, 0);          // stride 8: row 1, column 5
  set(32 + 4 + 3, 1);  // stride 16: row 1, column 3
  set(40 + 1, 2);      // stride 32: row 0, column 1
  const std::vector<int> shape{1, kRectCells, kRowSize};
  EXPECT_EQ(infer_layout(shape, 64, 32), YoloLayout::kYolox);

  DecodeParams p = params(0.5f);
  p.input_w = 64;
  p.input_h = 32;
  auto detections = decode(YoloLayout::kYolox, data.data(), shape, p);
  ASSERT_EQ(detections.size(), 3u);
  expect_box(detections[0].box, 40, 8, 48, 16);   // centre (5.5 * 8, 1.5 * 8)
  expect_box(detections[1].box, 48, 16, 64, 32);  // centre (3.5 * 16, 1.5 * 16)
  expect_box(detections[2].box, 32, 0, 64, 32);   // centre (1.5 * 32, 0.5 * 32)

  // Transposed input, same data: stride-8 rows are 4 cells wide now.
  p.input_w = 32;
  p.input_h = 64;
  detections = decode(YoloLayout::kYolox, data.data(), shape, p);
  ASSERT_EQ(detections.size(), 3u);
  expect_box(detections[0].box, 8, 24, 16, 32);   // row 3, column 1: centre (1.5 * 8, 3.5 * 8)
  expect_box(detections[1].box, 16, 48, 32, 64);  // row 3, column 1 of the 2-wide grid
  expect_box(detections[2].box, 0, 32, 32, 64);   // row 1, column 0 of the 1-wide grid
}

TEST(YoloDecode, WrongShapesThrow) {
  const std::vector<float> data(4 * kCells * kRowSize, 0.0f);
  const std::string error = error_of(YoloLayout::kYolox, data, {1, 85, kRowSize});
  EXPECT_NE(error.find("[1,85,8]"), std::string::npos) << error;
  EXPECT_NE(error.find("yolox"), std::string::npos) << error;
  EXPECT_NE(error.find("[1,84,"), std::string::npos) << error;

  EXPECT_NE(error_of(YoloLayout::kYolox, data, {1, kCells, 5}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolox, data, {2, kCells, kRowSize}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolox, data, {1, 1, kCells, kRowSize}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolov5, data, {1, 3 * kCells, 5}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolov8, data, {1, 4, kCells}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolov8, data, {}), "no error");
  EXPECT_NE(error_of(YoloLayout::kYolov8, data, {1, 7, 0}), "no error");
}

TEST(YoloDecode, Yolov5) {
  std::vector<float> data(3 * kCells * kRowSize, 0.0f);
  const float row[kRowSize] = {30, 20, 10, 8, 0.5f, 0.0f, 0.5f, 1.0f};
  std::copy(row, row + kRowSize, data.begin() + 100 * kRowSize);
  const std::vector<int> shape{1, 3 * kCells, kRowSize};
  const auto detections = decode(YoloLayout::kYolov5, data.data(), shape, params(0.25f));
  ASSERT_EQ(detections.size(), 1u);
  expect_box(detections[0].box, 25, 16, 35, 24);
  EXPECT_EQ(detections[0].class_id, 2);
  EXPECT_FLOAT_EQ(detections[0].score, 0.5f);

  const auto masked = decode(YoloLayout::kYolov5, data.data(), shape, params(0.25f, {false, true}));
  ASSERT_EQ(masked.size(), 1u);
  EXPECT_EQ(masked[0].class_id, 1);
  EXPECT_FLOAT_EQ(masked[0].score, 0.25f);
}

TEST(YoloDecode, Yolov8ChannelMajor) {
  constexpr int kAnchors = kCells;
  std::vector<float> data((4 + kClasses) * kAnchors, 0.0f);
  const auto set = [&](int anchor, std::array<float, 4 + kClasses> channels) {
    for (int c = 0; c < 4 + kClasses; ++c) data[c * kAnchors + anchor] = channels[c];
  };
  set(10, {100, 50, 20, 10, 0.1f, 0.2f, 0.9f});
  set(20, {10, 10, 4, 4, 0.5f, 0.5f, 0.1f});  // tie: the lower class id wins
  set(30, {10, 10, 4, 4, 0.2f, 0.2f, 0.2f});  // below the threshold
  const std::vector<int> shape{1, 4 + kClasses, kAnchors};

  const auto detections = decode(YoloLayout::kYolov8, data.data(), shape, params(0.25f));
  ASSERT_EQ(detections.size(), 2u);
  expect_box(detections[0].box, 90, 45, 110, 55);
  EXPECT_EQ(detections[0].class_id, 2);
  EXPECT_FLOAT_EQ(detections[0].score, 0.9f);
  expect_box(detections[1].box, 8, 8, 12, 12);
  EXPECT_EQ(detections[1].class_id, 0);
  EXPECT_FLOAT_EQ(detections[1].score, 0.5f);

  const auto masked =
      decode(YoloLayout::kYolov8, data.data(), shape, params(0.15f, {false, true, false}));
  ASSERT_EQ(masked.size(), 3u);
  for (const Detection &d : masked) EXPECT_EQ(d.class_id, 1);
  EXPECT_FLOAT_EQ(masked[0].score, 0.2f);
  EXPECT_FLOAT_EQ(masked[1].score, 0.5f);
}

}  // namespace
}  // namespace rw::detect
