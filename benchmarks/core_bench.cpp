// Google Benchmark for the per-frame core work around inference: letterboxing a 1280x720
// frame into the 416x416 YOLOX-Nano input, decoding its 3549x85 output, and NMS.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rw/detect/letterbox.hpp"
#include "rw/detect/nms.hpp"
#include "rw/detect/yolo_decode.hpp"

namespace {

using namespace rw::detect;

constexpr int kFrameW = 1280, kFrameH = 720, kInput = 416;

void letterbox_bench(benchmark::State &state, PixelFormat format) {
  cv::Mat bgr(kFrameH, kFrameW, CV_8UC3);
  cv::randu(bgr, 0, 255);
  cv::Mat i420;
  cv::cvtColor(bgr, i420, cv::COLOR_BGR2YUV_I420);
  ImageView view{format, kFrameW, kFrameH, {}, {}};
  if (format == PixelFormat::kI420) {
    view.planes = {i420.data, i420.data + kFrameW * kFrameH,
                   i420.data + kFrameW * kFrameH * 5 / 4};
    view.strides_bytes = {kFrameW, kFrameW / 2, kFrameW / 2};
  } else {
    view.planes = {bgr.data, nullptr, nullptr};
    view.strides_bytes = {bgr.step[0], 0, 0};
  }
  const Letterbox geometry = make_letterbox(kFrameW, kFrameH, kInput, kInput,
                                            PadPlacement::kTopLeft, format == PixelFormat::kI420);
  cv::Mat dst;
  for (auto _ : state) {
    letterbox_to_bgr(view, geometry, dst);
    benchmark::DoNotOptimize(dst.data);
  }
}
BENCHMARK_CAPTURE(letterbox_bench, bgr_1280x720, PixelFormat::kBgr)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(letterbox_bench, i420_1280x720, PixelFormat::kI420)->Unit(benchmark::kMicrosecond);

// A YOLOX-like output: low objectness everywhere, `objects` anchors above threshold.
std::vector<float> yolox_output(int objects) {
  const int rows = grid_cell_count(kInput, kInput), cols = 85;
  std::vector<float> out(std::size_t(rows) * cols);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> low(0.0f, 0.05f), offset(-0.5f, 1.5f);
  for (int r = 0; r < rows; ++r) {
    float *row = &out[std::size_t(r) * cols];
    row[0] = offset(rng);
    row[1] = offset(rng);
    row[2] = row[3] = 1.0f;
    for (int c = 4; c < cols; ++c) row[c] = low(rng);
  }
  for (int i = 0; i < objects; ++i) {
    float *row = &out[std::size_t(rng() % unsigned(rows)) * cols];
    row[4] = 0.9f;
    row[5 + 2] = 0.8f;
  }
  return out;
}

void decode_bench(benchmark::State &state) {
  const std::vector<float> out = yolox_output(int(state.range(0)));
  const int shape[] = {1, grid_cell_count(kInput, kInput), 85};
  const DecodeParams params{kInput, kInput, 0.3f, {}};
  for (auto _ : state) {
    auto found = decode(YoloLayout::kYolox, out.data(), shape, params);
    benchmark::DoNotOptimize(found.data());
  }
}
BENCHMARK(decode_bench)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

void nms_bench(benchmark::State &state) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> pos(0, 400), size(10, 60), score(0.3f, 1.0f);
  std::vector<Detection> boxes;
  for (int i = 0; i < state.range(0); ++i) {
    const float x = pos(rng), y = pos(rng);
    boxes.push_back({{x, y, x + size(rng), y + size(rng)}, int(rng() % 4), score(rng)});
  }
  for (auto _ : state) {
    auto kept = nms_per_class(boxes, 0.45f);
    benchmark::DoNotOptimize(kept.data());
  }
}
BENCHMARK(nms_bench)->Arg(50)->Arg(300)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
