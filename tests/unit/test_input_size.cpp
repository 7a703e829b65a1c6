#include <gtest/gtest.h>

#include <string>

#include "rw/common/error.hpp"
#include "rw/detect/input_size.hpp"

namespace rw::detect {
namespace {

using Mode = InputSizeRequest::Mode;

constexpr SizePx kYoloxNano{416, 416};

SizePx auto_size(SizePx model, SizePx frame) {
  return resolve_input_size({}, model, frame);
}

std::string error_of(const std::string &text) {
  try {
    parse_input_size(text);
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

TEST(InputSize, Parses) {
  EXPECT_EQ(parse_input_size("auto"), (InputSizeRequest{Mode::kAuto, {}}));
  EXPECT_EQ(parse_input_size(""), (InputSizeRequest{Mode::kAuto, {}}));
  EXPECT_EQ(parse_input_size("model"), (InputSizeRequest{Mode::kModel, {}}));
  EXPECT_EQ(parse_input_size("416x256"), (InputSizeRequest{Mode::kFixed, {416, 256}}));
  EXPECT_EQ(parse_input_size("32x8192"), (InputSizeRequest{Mode::kFixed, {32, 8192}}));
  for (const char *text : {"auto", "model", "640x384"}) {
    EXPECT_EQ(to_string(parse_input_size(text)), text);
  }
}

TEST(InputSize, RejectsWhatIsNotAStrideMultiple) {
  for (const char *bad : {"416x250", "0x0", "416", "416x", "x256", "416X256", "-32x32", "416x256 ",
                          "8224x32", "big", "Auto"}) {
    const std::string error = error_of(bad);
    EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos) << error;
    EXPECT_NE(error.find("multiples of 32"), std::string::npos) << error;
  }
}

// 16:9 frames of every size: 416 x (416 * 9/16 = 234 -> 256).
TEST(InputSize, AutoFitsTheFrameAspect) {
  EXPECT_EQ(auto_size(kYoloxNano, {640, 360}), (SizePx{416, 256}));
  EXPECT_EQ(auto_size(kYoloxNano, {1280, 720}), (SizePx{416, 256}));
  EXPECT_EQ(auto_size(kYoloxNano, {1920, 1080}), (SizePx{416, 256}));
  // 416 * 352 / 640 = 228.8 -> 256; 4:3 gives 312 -> 320.
  EXPECT_EQ(auto_size(kYoloxNano, {640, 352}), (SizePx{416, 256}));
  EXPECT_EQ(auto_size(kYoloxNano, {640, 480}), (SizePx{416, 320}));
  // Exactly on a stride: 416 * 192 / 416 = 192 stays.
  EXPECT_EQ(auto_size(kYoloxNano, {416, 192}), (SizePx{416, 192}));
  EXPECT_EQ(auto_size(kYoloxNano, {417, 192}), (SizePx{416, 192}));
  EXPECT_EQ(auto_size(kYoloxNano, {415, 192}), (SizePx{416, 224}));  // 192.46 rounds up
  // Portrait, square, very wide.
  EXPECT_EQ(auto_size(kYoloxNano, {360, 640}), (SizePx{256, 416}));
  EXPECT_EQ(auto_size(kYoloxNano, {500, 500}), (SizePx{416, 416}));
  EXPECT_EQ(auto_size(kYoloxNano, {4000, 10}), (SizePx{416, 32}));
  // The model's long side, whatever its shape.
  EXPECT_EQ(auto_size({640, 640}, {1280, 720}), (SizePx{640, 384}));
  EXPECT_EQ(auto_size({320, 640}, {1280, 720}), (SizePx{640, 384}));
  EXPECT_EQ(auto_size({400, 400}, {1280, 720}), (SizePx{416, 256}));  // 400 is no stride multiple
}

TEST(InputSize, ModelAndFixed) {
  EXPECT_EQ(resolve_input_size({Mode::kModel, {}}, kYoloxNano, {640, 360}), kYoloxNano);
  EXPECT_EQ(resolve_input_size({Mode::kFixed, {320, 192}}, kYoloxNano, {640, 360}),
            (SizePx{320, 192}));
  // No frame size yet: the model's.
  EXPECT_EQ(auto_size(kYoloxNano, {0, 0}), kYoloxNano);
}

}  // namespace
}  // namespace rw::detect
