// Appearance features: cosine distance and the built-in colour histogram.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <opencv2/core.hpp>

#include "rw/common/error.hpp"
#include "rw/track/appearance.hpp"

namespace {

using rw::detect::Box;
using rw::track::colour_histogram;
using rw::track::cosine_distance;

TEST(Appearance, CosineDistance) {
  const std::vector<float> x{1, 0, 0}, y{0, 1, 0}, minus_x{-1, 0, 0};
  const float s = 1 / std::sqrt(2.0f);
  const std::vector<float> xy{s, s, 0};
  EXPECT_DOUBLE_EQ(cosine_distance(x, x), 0);
  EXPECT_DOUBLE_EQ(cosine_distance(x, y), 1);
  EXPECT_DOUBLE_EQ(cosine_distance(x, minus_x), 2);
  EXPECT_NEAR(cosine_distance(x, xy), 1 - s, 1e-7);
}

// Vertical stripes of colour, so that a one-pixel shift changes the crop's content a little.
cv::Mat striped_frame() {
  cv::Mat frame(120, 160, CV_8UC3, cv::Scalar(40, 40, 40));
  const cv::Vec3b colours[] = {{30, 30, 200}, {200, 200, 200}, {20, 160, 40}, {10, 10, 10}};
  for (int x = 0; x < frame.cols; ++x) {
    frame.col(x).setTo(
        cv::Scalar(colours[(x / 5) % 4][0], colours[(x / 5) % 4][1], colours[(x / 5) % 4][2]));
  }
  return frame;
}

double norm(const std::vector<float> &v) {
  double sum = 0;
  for (float x : v) sum += double{x} * x;
  return std::sqrt(sum);
}

TEST(Appearance, HistogramIsL2Normalised) {
  const std::vector<float> h = colour_histogram(striped_frame(), Box{10, 10, 90, 70});
  ASSERT_FALSE(h.empty());
  EXPECT_NEAR(norm(h), 1, 1e-6);
  for (float x : h) EXPECT_GE(x, 0);
}

TEST(Appearance, RedAndBlueDiffer) {
  cv::Mat frame(100, 200, CV_8UC3, cv::Scalar(0, 0, 220));         // red (BGR)
  frame(cv::Rect(100, 0, 100, 100)).setTo(cv::Scalar(220, 0, 0));  // blue
  const std::vector<float> red = colour_histogram(frame, Box{10, 10, 90, 90});
  const std::vector<float> blue = colour_histogram(frame, Box{110, 10, 190, 90});
  ASSERT_EQ(red.size(), blue.size());
  EXPECT_NEAR(cosine_distance(red, blue), 1, 1e-6);
  EXPECT_NEAR(cosine_distance(red, red), 0, 1e-6);
}

TEST(Appearance, GreyLevelsDiffer) {
  cv::Mat frame(100, 200, CV_8UC3, cv::Scalar(235, 235, 235));      // white
  frame(cv::Rect(100, 0, 100, 100)).setTo(cv::Scalar(20, 20, 20));  // black
  EXPECT_GT(cosine_distance(colour_histogram(frame, Box{10, 10, 90, 90}),
                            colour_histogram(frame, Box{110, 10, 190, 90})),
            0.9);
}

TEST(Appearance, OnePixelShiftIsAlmostTheSame) {
  const cv::Mat frame = striped_frame();
  const std::vector<float> a = colour_histogram(frame, Box{20, 20, 120, 100});
  const std::vector<float> b = colour_histogram(frame, Box{21, 21, 121, 101});
  EXPECT_LT(cosine_distance(a, b), 0.01);
  EXPECT_GT(cosine_distance(a, colour_histogram(frame, Box{20, 20, 40, 100})), 0.1);
}

TEST(Appearance, CropIsClampedToTheFrame) {
  const cv::Mat frame = striped_frame();
  const std::vector<float> h = colour_histogram(frame, Box{-50, -50, 40, 40});
  ASSERT_FALSE(h.empty());
  EXPECT_NEAR(norm(h), 1, 1e-6);
}

TEST(Appearance, EmptyOrOutsideBoxGivesEmptyFeature) {
  const cv::Mat frame = striped_frame();
  EXPECT_TRUE(colour_histogram(frame, Box{50, 50, 50, 80}).empty());
  EXPECT_TRUE(colour_histogram(frame, Box{200, 10, 260, 60}).empty());
  EXPECT_TRUE(colour_histogram(frame, Box{60, 60, 40, 40}).empty());
}

TEST(Appearance, RejectsNonBgrFrames) {
  const cv::Mat grey(10, 10, CV_8UC1, cv::Scalar(0));
  EXPECT_THROW(colour_histogram(grey, Box{0, 0, 10, 10}), rw::Error);
}

}  // namespace
