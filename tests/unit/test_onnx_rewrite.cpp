#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "rw/common/error.hpp"
#include "rw/detect/onnx_rewrite.hpp"
#include "rw/detect/silu_layer.hpp"

namespace rw::detect {
namespace {

const std::string kDataDir = RW_GENERATED_DATA_DIR;  // made by tests/data/make_tiny_onnx.py

std::string read_bytes(const std::string &name) {
  std::ifstream file(kDataDir + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

cv::dnn::Net load(const std::string &bytes) {
  register_silu_layer();
  cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

cv::Mat forward(cv::dnn::Net &net, int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  cv::RNG(42).fill(image, cv::RNG::UNIFORM, 0, 256);
  net.setInput(cv::dnn::blobFromImage(image, 1.0 / 255));
  return net.forward().clone();
}

// 1 x A x B -> A x B, or its transpose.
cv::Mat as_matrix(const cv::Mat &out, bool transpose) {
  cv::Mat m(out.size[1], out.size[2], CV_32F, const_cast<float *>(out.ptr<float>()));
  if (!transpose) return m.clone();
  cv::Mat t;
  cv::transpose(m, t);
  return t;
}

int layers_of_type(cv::dnn::Net &net, const char *type) {
  return net.getLayersCount(type);
}

class YoloxLike : public ::testing::Test {
 protected:
  const std::string original_ = read_bytes("yolox_like.onnx");
};

// The fixture holds two SiLUs, a Focus stem and an output transpose; the decoys stay.
TEST_F(YoloxLike, RewritesWhatMatches) {
  ASSERT_FALSE(original_.empty());
  const RewrittenModel rewritten = rewrite_for_opencv_cpu(original_);
  EXPECT_EQ(rewritten.silu_fused, 2);
  EXPECT_TRUE(rewritten.focus_as_conv);
  EXPECT_TRUE(rewritten.output_transposed);
  EXPECT_EQ(rewritten.summary(),
            "2 SiLU fused, Focus stem as a convolution, output transpose outside the network");

  cv::dnn::Net before = load(original_);
  cv::dnn::Net after = load(rewritten.bytes);
  forward(before, 64, 64);
  forward(after, 64, 64);
  EXPECT_EQ(layers_of_type(before, "Slice"), 8);
  EXPECT_EQ(layers_of_type(after, "Slice"), 0);
  EXPECT_EQ(layers_of_type(before, "Permute"), 1);
  EXPECT_EQ(layers_of_type(after, "Permute"), 0);
  EXPECT_EQ(layers_of_type(after, kSiluOpType), 2);
  EXPECT_EQ(layers_of_type(before, "Sigmoid"), 4);
  EXPECT_EQ(layers_of_type(after, "Sigmoid"), 2);  // the two decoys
}

// The rewritten graph computes the same function, at the model's size and at another one.
TEST_F(YoloxLike, SameOutputs) {
  cv::dnn::Net before = load(original_);
  cv::dnn::Net after = load(rewrite_for_opencv_cpu(original_).bytes);
  for (const auto &[w, h] : {std::pair{64, 64}, std::pair{64, 32}, std::pair{32, 96}}) {
    const cv::Mat expected = forward(before, w, h);
    const cv::Mat got = forward(after, w, h);
    ASSERT_EQ(expected.dims, 3);
    ASSERT_EQ(got.dims, 3);
    EXPECT_EQ(expected.size[1], w * h / 4) << w << "x" << h;
    EXPECT_EQ(got.size[2], w * h / 4) << w << "x" << h;  // transposed: 1 x 8 x cells
    const cv::Mat a = as_matrix(expected, false), b = as_matrix(got, true);
    EXPECT_GT(cv::norm(a, cv::NORM_INF), 0.1);
    EXPECT_LE(cv::norm(a, b, cv::NORM_INF), 1e-5) << w << "x" << h;
  }
}

// Nothing left to rewrite in a rewritten model; a model without the patterns comes back as is.
TEST_F(YoloxLike, RewritingTwiceChangesNothing) {
  const RewrittenModel once = rewrite_for_opencv_cpu(original_);
  const RewrittenModel twice = rewrite_for_opencv_cpu(once.bytes);
  EXPECT_FALSE(twice.changed());
  EXPECT_EQ(twice.bytes, once.bytes);
  EXPECT_EQ(twice.summary(), "no rewrite applies");

  const std::string plain = read_bytes("tiny_model.onnx");
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(rewrite_for_opencv_cpu(plain).bytes, plain);
}

TEST(OnnxRewrite, NotAModelThrows) {
  EXPECT_THROW(rewrite_for_opencv_cpu(read_bytes("not_a_model.onnx")), Error);
  EXPECT_THROW(rewrite_for_opencv_cpu(std::string("\x0a\xff", 2)), Error);
}

using SiluFunction = void (*)(const float *, float *, std::size_t);

// Both kernels: the dispatched one (AVX2 on this machine, if it has it) and the portable one.
class Silu : public ::testing::TestWithParam<SiluFunction> {};

TEST_P(Silu, MatchesDefinition) {
  std::vector<float> x;
  for (float v = -20.0f; v <= 20.0f; v += 0.01f) x.push_back(v);
  std::vector<float> y(x.size());
  GetParam()(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double expected = x[i] / (1.0 + std::exp(-static_cast<double>(x[i])));
    ASSERT_NEAR(y[i], expected, 5e-7 * std::max(1.0, std::abs(expected))) << "x = " << x[i];
  }
}

// Saturated ends, exact zero, in place, and lengths that are no multiple of a vector.
TEST_P(Silu, ExtremesInPlaceAndTails) {
  std::vector<float> v = {-200.0f, -88.0f, 0.0f, 88.0f, 200.0f, 1.0f, -1.0f};
  GetParam()(v.data(), v.data(), v.size());
  EXPECT_NEAR(v[0], 0.0f, 1e-30);
  EXPECT_NEAR(v[1], 0.0f, 1e-30);
  EXPECT_EQ(v[2], 0.0f);
  EXPECT_FLOAT_EQ(v[3], 88.0f);
  EXPECT_FLOAT_EQ(v[4], 200.0f);
  EXPECT_NEAR(v[5], 0.7310586, 1e-6);
  EXPECT_NEAR(v[6], -0.2689414, 1e-6);
  for (const std::size_t n : {1u, 7u, 8u, 9u, 17u, 33u, 67u}) {
    std::vector<float> x(n), y(n, -1.0f);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i) * 0.25f - 4.0f;
    GetParam()(x.data(), y.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(y[i], x[i] / (1.0f + std::exp(-x[i])), 1e-6) << n << " elements, i = " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Silu, ::testing::Values(&silu, &silu_portable));

}  // namespace
}  // namespace rw::detect
