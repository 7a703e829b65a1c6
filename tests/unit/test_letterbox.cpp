#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "rw/common/error.hpp"
#include "rw/detect/letterbox.hpp"

namespace rw::detect {
namespace {

TEST(MakeLetterbox, LandscapeTopLeft) {
  const Letterbox lb = make_letterbox(1280, 720, 416, 416, PadPlacement::kTopLeft);
  EXPECT_EQ(lb.scaled_w, 416);
  EXPECT_EQ(lb.scaled_h, 234);
  EXPECT_EQ(lb.pad_x, 0);
  EXPECT_EQ(lb.pad_y, 0);
  EXPECT_DOUBLE_EQ(lb.scale_x, 0.325);
  EXPECT_DOUBLE_EQ(lb.scale_y, 234.0 / 720.0);
}

TEST(MakeLetterbox, LandscapeCentered) {
  const Letterbox lb = make_letterbox(1280, 720, 416, 416, PadPlacement::kCentered);
  EXPECT_EQ(lb.scaled_w, 416);
  EXPECT_EQ(lb.scaled_h, 234);
  EXPECT_EQ(lb.pad_x, 0);
  EXPECT_EQ(lb.pad_y, 91);
}

// The rectangular input yolodetect picks for 16:9 frames (input-size=auto): the same 416x234
// picture as in a 416x416 input, with 22 rows of padding instead of 182.
TEST(MakeLetterbox, RectangularInput416x256) {
  for (const auto &[w, h] : {std::pair{640, 360}, std::pair{1280, 720}}) {
    const Letterbox square = make_letterbox(w, h, 416, 416, PadPlacement::kTopLeft, true);
    const Letterbox rect = make_letterbox(w, h, 416, 256, PadPlacement::kTopLeft, true);
    EXPECT_EQ(rect.scaled_w, 416);
    EXPECT_EQ(rect.scaled_h, 234);
    EXPECT_EQ(rect.pad_x, 0);
    EXPECT_EQ(rect.pad_y, 0);
    EXPECT_DOUBLE_EQ(rect.scale_x, 416.0 / w);
    EXPECT_DOUBLE_EQ(rect.scale_y, 234.0 / h);
    EXPECT_DOUBLE_EQ(rect.scale_x, square.scale_x);
    EXPECT_DOUBLE_EQ(rect.scale_y, square.scale_y);
    // The bottom-right of the picture maps to the frame's corner; the padding clamps to it.
    const Box corner = rect.to_frame({0, 0, 416, 234});
    EXPECT_FLOAT_EQ(corner.x2, static_cast<float>(w));
    EXPECT_FLOAT_EQ(corner.y2, static_cast<float>(h));
    EXPECT_FLOAT_EQ(rect.to_frame({10, 240, 20, 256}).y1, static_cast<float>(h));
  }
  const Letterbox centered = make_letterbox(640, 360, 416, 256, PadPlacement::kCentered);
  EXPECT_EQ(centered.pad_y, 11);  // (256 - 234) / 2
  const Box box = centered.to_frame({104, 11 + 117, 208, 11 + 234});
  EXPECT_FLOAT_EQ(box.x1, 160);
  EXPECT_FLOAT_EQ(box.y1, 180);
  EXPECT_FLOAT_EQ(box.x2, 320);
  EXPECT_FLOAT_EQ(box.y2, 360);
}

TEST(MakeLetterbox, Portrait) {
  const Letterbox centered = make_letterbox(720, 1280, 640, 640, PadPlacement::kCentered);
  EXPECT_EQ(centered.scaled_w, 360);
  EXPECT_EQ(centered.scaled_h, 640);
  EXPECT_EQ(centered.pad_x, 140);
  EXPECT_EQ(centered.pad_y, 0);
  const Letterbox top_left = make_letterbox(720, 1280, 640, 640, PadPlacement::kTopLeft);
  EXPECT_EQ(top_left.pad_x, 0);
  EXPECT_EQ(top_left.scaled_w, 360);
}

TEST(MakeLetterbox, EvenSizeRoundsDown) {
  // 565 * 0.416 = 235.04 -> 235, or 234 when it must be even.
  EXPECT_EQ(make_letterbox(1000, 565, 416, 416, PadPlacement::kTopLeft).scaled_h, 235);
  const Letterbox even = make_letterbox(1000, 565, 416, 416, PadPlacement::kTopLeft, true);
  EXPECT_EQ(even.scaled_w, 416);
  EXPECT_EQ(even.scaled_h, 234);
  EXPECT_DOUBLE_EQ(even.scale_y, 234.0 / 565.0);

  const Letterbox portrait = make_letterbox(565, 1000, 416, 416, PadPlacement::kCentered, true);
  EXPECT_EQ(portrait.scaled_w, 234);
  EXPECT_EQ(portrait.pad_x, 91);

  // A one-pixel-high sliver still gets at least one (or two) rows.
  EXPECT_EQ(make_letterbox(1000, 1, 416, 416, PadPlacement::kTopLeft).scaled_h, 1);
  EXPECT_EQ(make_letterbox(1000, 1, 416, 416, PadPlacement::kTopLeft, true).scaled_h, 2);
}

TEST(MakeLetterbox, InvalidSizesThrow) {
  EXPECT_THROW(make_letterbox(0, 720, 416, 416, PadPlacement::kTopLeft), Error);
  EXPECT_THROW(make_letterbox(1280, -1, 416, 416, PadPlacement::kTopLeft), Error);
  EXPECT_THROW(make_letterbox(1280, 720, 0, 416, PadPlacement::kTopLeft), Error);
  EXPECT_THROW(make_letterbox(1280, 720, 416, 1, PadPlacement::kTopLeft, true), Error);
}

TEST(Letterbox, ToInputMapsFrameCorners) {
  const Letterbox lb = make_letterbox(1280, 720, 416, 416, PadPlacement::kCentered);
  const Box in = lb.to_input({0, 0, 1280, 720});
  EXPECT_NEAR(in.x1, 0, 1e-4);
  EXPECT_NEAR(in.y1, 91, 1e-4);
  EXPECT_NEAR(in.x2, 416, 1e-4);
  EXPECT_NEAR(in.y2, 325, 1e-4);
}

TEST(Letterbox, RoundTrip) {
  for (const PadPlacement placement : {PadPlacement::kTopLeft, PadPlacement::kCentered}) {
    const Letterbox lb = make_letterbox(1000, 565, 416, 416, placement, true);
    const Box box{100.5f, 200.25f, 640.0f, 564.0f};
    const Box back = lb.to_frame(lb.to_input(box));
    EXPECT_NEAR(back.x1, box.x1, 1e-3);
    EXPECT_NEAR(back.y1, box.y1, 1e-3);
    EXPECT_NEAR(back.x2, box.x2, 1e-3);
    EXPECT_NEAR(back.y2, box.y2, 1e-3);
  }
}

TEST(Letterbox, ToFrameClampsToFrame) {
  const Letterbox lb = make_letterbox(1280, 720, 416, 416, PadPlacement::kCentered);
  // (500 - 0) / 0.325 = 1538 and (416 - 91) / 0.325 = 1000 lie outside the frame.
  const Box frame_box = lb.to_frame({-10, 0, 500, 416});
  EXPECT_FLOAT_EQ(frame_box.x1, 0);
  EXPECT_FLOAT_EQ(frame_box.y1, 0);
  EXPECT_FLOAT_EQ(frame_box.x2, 1280);
  EXPECT_FLOAT_EQ(frame_box.y2, 720);
  const Box inside = lb.to_frame({32.5f, 123.5f, 65, 156});
  EXPECT_NEAR(inside.x1, 100, 1e-3);
  EXPECT_NEAR(inside.y1, 100, 1e-3);
  EXPECT_NEAR(inside.x2, 200, 1e-3);
  EXPECT_NEAR(inside.y2, 200, 1e-3);
}

constexpr int kFrameW = 320;
constexpr int kFrameH = 240;
const cv::Vec3b kBackground{40, 80, 160};
const cv::Vec3b kBlock{200, 30, 90};

// Flat background with a block over the top-right quarter.
cv::Mat block_frame() {
  cv::Mat frame(kFrameH, kFrameW, CV_8UC3,
                cv::Scalar(kBackground[0], kBackground[1], kBackground[2]));
  frame(cv::Rect(160, 0, 160, 120)).setTo(cv::Scalar(kBlock[0], kBlock[1], kBlock[2]));
  return frame;
}

// Smooth gradients with two blocks, for comparing pixel formats.
cv::Mat textured_frame() {
  cv::Mat frame(kFrameH, kFrameW, CV_8UC3);
  for (int y = 0; y < kFrameH; ++y) {
    for (int x = 0; x < kFrameW; ++x) {
      frame.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(x * 255 / kFrameW), static_cast<uchar>(y * 255 / kFrameH),
                    static_cast<uchar>((x + y) % 256));
    }
  }
  frame(cv::Rect(40, 40, 64, 48)).setTo(cv::Scalar(255, 0, 0));
  frame(cv::Rect(200, 120, 80, 80)).setTo(cv::Scalar(20, 220, 240));
  return frame;
}

// A copy of the image inside a wider buffer, so that its stride exceeds its row size.
cv::Mat with_padded_stride(const cv::Mat &image) {
  cv::Mat wide(image.rows, image.cols + 13, image.type(), cv::Scalar::all(7));
  cv::Mat view = wide(cv::Rect(0, 0, image.cols, image.rows));
  image.copyTo(view);
  EXPECT_GT(view.step, image.cols * image.elemSize());
  return view;
}

ImageView packed_view(PixelFormat format, const cv::Mat &image) {
  ImageView view;
  view.format = format;
  view.width = image.cols;
  view.height = image.rows;
  view.planes[0] = image.data;
  view.strides_bytes[0] = image.step;
  return view;
}

// Y, U and V planes of a BGR image, each with a padded stride.
std::array<cv::Mat, 3> i420_planes(const cv::Mat &bgr) {
  cv::Mat yuv;
  cv::cvtColor(bgr, yuv, cv::COLOR_BGR2YUV_I420);
  const int w = bgr.cols;
  const int h = bgr.rows;
  const cv::Mat u(h / 2, w / 2, CV_8UC1, yuv.ptr(h));
  const cv::Mat v(h / 2, w / 2, CV_8UC1, yuv.ptr(h) + (w / 2) * (h / 2));
  return {with_padded_stride(yuv.rowRange(0, h)), with_padded_stride(u), with_padded_stride(v)};
}

struct YuvFrame {
  std::vector<cv::Mat> planes;  // keeps the pixels alive
  ImageView view;
};

YuvFrame yuv_frame(PixelFormat format, const cv::Mat &bgr) {
  auto [y, u, v] = i420_planes(bgr);
  YuvFrame frame;
  if (format == PixelFormat::kNv12) {
    cv::Mat uv;
    cv::merge(std::vector<cv::Mat>{u, v}, uv);
    frame.planes = {y, with_padded_stride(uv)};
  } else {
    frame.planes = {y, u, v};
  }
  frame.view.format = format;
  frame.view.width = bgr.cols;
  frame.view.height = bgr.rows;
  for (std::size_t i = 0; i < frame.planes.size(); ++i) {
    frame.view.planes[i] = frame.planes[i].data;
    frame.view.strides_bytes[i] = frame.planes[i].step;
  }
  return frame;
}

double mean_abs_diff(const cv::Mat &a, const cv::Mat &b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Scalar mean = cv::mean(diff);
  return (mean[0] + mean[1] + mean[2]) / 3;
}

double max_abs_diff(const cv::Mat &a, const cv::Mat &b) {
  return cv::norm(a, b, cv::NORM_INF);
}

TEST(LetterboxToBgr, PadsAndPlacesTopLeft) {
  const cv::Mat frame = block_frame();
  // 320x240 into 128x128: scale 0.4, image 128x96 at the top, padding in rows 96..127.
  const Letterbox lb = make_letterbox(kFrameW, kFrameH, 128, 128, PadPlacement::kTopLeft);
  cv::Mat out(5, 5, CV_8UC1);  // wrong size and type: must be reallocated
  letterbox_to_bgr(packed_view(PixelFormat::kBgr, frame), lb, out);
  ASSERT_EQ(out.type(), CV_8UC3);
  ASSERT_EQ(out.size(), cv::Size(128, 128));
  for (int y = 96; y < 128; ++y) {
    for (int x = 0; x < 128; ++x) ASSERT_EQ(out.at<cv::Vec3b>(y, x), cv::Vec3b::all(114));
  }
  EXPECT_EQ(out.at<cv::Vec3b>(24, 96), kBlock);       // frame (240, 60)
  EXPECT_EQ(out.at<cv::Vec3b>(72, 32), kBackground);  // frame (80, 180)
  EXPECT_EQ(out.at<cv::Vec3b>(95, 127), kBackground);
}

TEST(LetterboxToBgr, PadsBothSidesWhenCentered) {
  const Letterbox lb = make_letterbox(kFrameW, kFrameH, 128, 128, PadPlacement::kCentered);
  ASSERT_EQ(lb.pad_y, 16);
  cv::Mat out;
  letterbox_to_bgr(packed_view(PixelFormat::kBgr, block_frame()), lb, out, 0);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 64), cv::Vec3b::all(0));
  EXPECT_EQ(out.at<cv::Vec3b>(15, 64), cv::Vec3b::all(0));
  EXPECT_EQ(out.at<cv::Vec3b>(16 + 24, 96), kBlock);
  EXPECT_EQ(out.at<cv::Vec3b>(16 + 72, 32), kBackground);
  EXPECT_EQ(out.at<cv::Vec3b>(112, 64), cv::Vec3b::all(0));
  EXPECT_EQ(out.at<cv::Vec3b>(127, 64), cv::Vec3b::all(0));
}

class PixelFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    frame_ = textured_frame();
    letterbox_to_bgr(packed_view(PixelFormat::kBgr, frame_), lb_, expected_);
  }

  cv::Mat letterbox_packed(PixelFormat format, int to_format_code) const {
    cv::Mat converted;
    cv::cvtColor(frame_, converted, to_format_code);
    const cv::Mat strided = with_padded_stride(converted);
    cv::Mat out;
    letterbox_to_bgr(packed_view(format, strided), lb_, out);
    return out;
  }

  cv::Mat frame_;
  Letterbox lb_ = make_letterbox(kFrameW, kFrameH, 160, 160, PadPlacement::kCentered, true);
  cv::Mat expected_;
};

TEST_F(PixelFormats, BgrHonoursStride) {
  cv::Mat out;
  letterbox_to_bgr(packed_view(PixelFormat::kBgr, with_padded_stride(frame_)), lb_, out);
  EXPECT_EQ(max_abs_diff(out, expected_), 0);
}

TEST_F(PixelFormats, PackedFormatsMatchBgr) {
  const std::pair<PixelFormat, int> cases[] = {{PixelFormat::kRgb, cv::COLOR_BGR2RGB},
                                               {PixelFormat::kBgrx, cv::COLOR_BGR2BGRA},
                                               {PixelFormat::kBgra, cv::COLOR_BGR2BGRA},
                                               {PixelFormat::kRgbx, cv::COLOR_BGR2RGBA},
                                               {PixelFormat::kRgba, cv::COLOR_BGR2RGBA}};
  for (const auto &[format, code] : cases) {
    // Channel swaps and drops commute with the resize: the result is exact.
    EXPECT_EQ(max_abs_diff(letterbox_packed(format, code), expected_), 0)
        << "format " << static_cast<int>(format);
  }
}

TEST_F(PixelFormats, YuvFormatsMatchBgr) {
  for (const PixelFormat format : {PixelFormat::kI420, PixelFormat::kNv12}) {
    const YuvFrame yuv = yuv_frame(format, frame_);
    cv::Mat out;
    letterbox_to_bgr(yuv.view, lb_, out);
    EXPECT_LT(mean_abs_diff(out, expected_), 3) << "format " << static_cast<int>(format);
    // The padding is exact whatever the format.
    EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b::all(114));
  }
}

TEST_F(PixelFormats, YuvNeedsEvenSizes) {
  const YuvFrame yuv = yuv_frame(PixelFormat::kI420, frame_);
  // 320x240 into 125x125: 125x94, odd width.
  const Letterbox odd = make_letterbox(kFrameW, kFrameH, 125, 125, PadPlacement::kTopLeft);
  ASSERT_EQ(odd.scaled_w, 125);
  cv::Mat out;
  EXPECT_THROW(letterbox_to_bgr(yuv.view, odd, out), Error);

  ImageView odd_frame = yuv.view;
  odd_frame.width = kFrameW - 1;
  EXPECT_THROW(
      letterbox_to_bgr(odd_frame,
                       make_letterbox(kFrameW - 1, kFrameH, 160, 160, PadPlacement::kTopLeft, true),
                       out),
      Error);
}

TEST_F(PixelFormats, RejectsMismatchedOrMissingPlanes) {
  cv::Mat out;
  const ImageView bgr = packed_view(PixelFormat::kBgr, frame_);
  EXPECT_THROW(
      letterbox_to_bgr(bgr, make_letterbox(640, 480, 160, 160, PadPlacement::kTopLeft), out),
      Error);

  ImageView no_plane = bgr;
  no_plane.planes[0] = nullptr;
  EXPECT_THROW(letterbox_to_bgr(no_plane, lb_, out), Error);

  ImageView short_stride = bgr;
  short_stride.strides_bytes[0] = kFrameW * 3 - 1;
  EXPECT_THROW(letterbox_to_bgr(short_stride, lb_, out), Error);

  YuvFrame nv12 = yuv_frame(PixelFormat::kNv12, frame_);
  nv12.view.planes[1] = nullptr;
  EXPECT_THROW(letterbox_to_bgr(nv12.view, lb_, out), Error);
}

}  // namespace
}  // namespace rw::detect
