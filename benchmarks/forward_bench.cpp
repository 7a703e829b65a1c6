// The detector's forward pass alone, for every combination of network input size and graph
// rewrite, measured in one run with the variants interleaved (round-robin), so a busy machine
// slows them all alike and the ratios stay meaningful. Also prints OpenCV's per-layer profile
// grouped by layer type for each variant.
//
//   rw_forward_bench --model yolox_nano.onnx [--frame 640x360] [--runs 20] [--threads 0]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "rw/detect/input_size.hpp"
#include "rw/detect/yolo_detector.hpp"

namespace {

namespace det = rw::detect;

struct Options {
  std::string model;
  det::SizePx frame{640, 360};
  int runs = 20;
  int threads = 0;
};

struct Variant {
  std::string name;
  std::unique_ptr<det::YoloDetector> detector;
  cv::Mat input;
  std::vector<double> wall_ms, cpu_ms;
};

double process_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval &t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--model") {
      o.model = value;
    } else if (key == "--frame") {
      if (std::sscanf(value.c_str(), "%dx%d", &o.frame.width, &o.frame.height) != 2) {
        std::fprintf(stderr, "--frame wants WIDTHxHEIGHT\n");
        std::exit(2);
      }
    } else if (key == "--runs") {
      o.runs = std::stoi(value);
    } else if (key == "--threads") {
      o.threads = std::stoi(value);
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (o.model.empty()) {
    std::fprintf(stderr, "usage: %s --model FILE [--frame 640x360] [--runs 20] [--threads 0]\n",
                 argv[0]);
    std::exit(2);
  }
  return o;
}

Variant make_variant(const Options &o, const std::string &size_text, bool rewrite) {
  det::DetectorConfig config;
  config.model_path = o.model;
  config.threads = o.threads;
  config.rewrite_graph = rewrite;
  Variant v;
  v.detector = std::make_unique<det::YoloDetector>(config);
  const det::InputSizeRequest request = det::parse_input_size(size_text);
  v.detector->set_input_size(
      det::resolve_input_size(request, v.detector->model_input_size(), o.frame));
  v.name = det::to_string(det::SizePx{v.detector->input_width(), v.detector->input_height()}) +
           " (" + size_text + "), rewrite " + (rewrite ? "on" : "off");
  v.input.create(v.detector->input_height(), v.detector->input_width(), CV_8UC3);
  cv::RNG(1).fill(v.input, cv::RNG::UNIFORM, 0, 256);
  return v;
}

// OpenCV's profile of the last forward pass, summed by layer type (fused layers count in the
// layer they were fused into).
void print_profile(const Variant &v) {
  std::printf("  %s:", v.name.c_str());
  for (const auto &[type, ms] : v.detector->layer_profile_ms()) {
    if (ms >= 0.5) std::printf(" %s %.1f ms,", type.c_str(), ms);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char **argv) {
  const Options o = parse(argc, argv);
  std::vector<Variant> variants;
  for (const char *size : {"model", "auto"}) {
    for (const bool rewrite : {false, true}) variants.push_back(make_variant(o, size, rewrite));
  }
  std::printf("model   : %s (%s)\n", o.model.c_str(),
              variants.back().detector->device_note().c_str());
  std::printf("rewrite : %s\n", variants.back().detector->rewrite_note().c_str());
  std::printf("frame   : %s; machine: %u hardware threads, OpenCV %s\n",
              det::to_string(o.frame).c_str(), std::thread::hardware_concurrency(), CV_VERSION);
  for (Variant &v : variants) {
    for (int i = 0; i < 2; ++i) v.detector->forward(v.input);  // warm-up: allocations, caches
  }
  for (int r = 0; r < o.runs; ++r) {
    for (Variant &v : variants) {
      const double cpu0 = process_cpu_ms();
      const auto t0 = std::chrono::steady_clock::now();
      v.detector->forward(v.input);
      v.wall_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      v.cpu_ms.push_back(process_cpu_ms() - cpu0);
    }
  }
  const double base = median(variants.front().wall_ms);
  std::printf(
      "\n| variant | runs | median ms | min ms | CPU ms | x %s |\n|---|---|---|---|---|---|\n",
      variants.front().name.c_str());
  for (Variant &v : variants) {
    std::printf("| %s | %zu | %.1f | %.1f | %.1f | %.3f |\n", v.name.c_str(), v.wall_ms.size(),
                median(v.wall_ms), *std::min_element(v.wall_ms.begin(), v.wall_ms.end()),
                median(v.cpu_ms), median(v.wall_ms) / base);
  }
  std::printf("\nOpenCV per-layer profile of each variant's last pass:\n");
  for (const Variant &v : variants) print_profile(v);
  return 0;
}
