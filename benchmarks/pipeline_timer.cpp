// Times one thing and prints one JSON line, for benchmarks/run-end-to-end.sh.
//
// Pipeline mode: runs a launch line to EOS and counts the buffers reaching the sink pad of
// the element named by --count (default "sink"). The clock starts when the first buffer
// arrives there, so start-up (plugin and model loading, the graph check) is left out, and
// stops at EOS (every branch finished, sinks drained):
//   rw_pipeline_timer --launch "filesrc ... ! fakesink name=sink" [--count sink]
//   -> {"frames":341,"timed_frames":340,"wall_s":10.2,"fps":33.3,"cpu_s":19.5}
//
// Forward mode: the model's forward pass alone at the network input yolodetect would pick for
// a frame size, median of --runs passes after two warm-up passes:
//   rw_pipeline_timer --forward yolox_nano.onnx --frame 640x360 [--input-size auto]
//       [--rewrite-graph 1] [--runs 20] [--threads 0]
//   -> {"input":"416x256","ms_per_forward":61.0,"cpu_ms_per_forward":118.0}
// The roadwatch plugin comes from GST_PLUGIN_PATH.

#include <gst/gst.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "rw/detect/input_size.hpp"
#include "rw/detect/yolo_detector.hpp"

namespace {

namespace det = rw::detect;
using Clock = std::chrono::steady_clock;

double process_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "rw_pipeline_timer: %s\n", message.c_str());
  std::exit(1);
}

struct Count {
  long frames = 0;
  Clock::time_point first;
  double first_cpu_s = 0;
};

GstPadProbeReturn count_buffer(GstPad *, GstPadProbeInfo *, gpointer data) {
  auto *count = static_cast<Count *>(data);
  if (count->frames++ == 0) {
    count->first = Clock::now();
    count->first_cpu_s = process_cpu_s();
  }
  return GST_PAD_PROBE_OK;
}

int run_pipeline(const std::string &launch, const std::string &count_at) {
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
  if (pipeline == nullptr || error != nullptr) {
    fail(std::string("bad pipeline: ") + (error != nullptr ? error->message : "?"));
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), count_at.c_str());
  if (sink == nullptr) fail("no element named '" + count_at + "' in the pipeline");
  Count count;
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &count, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);

  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const Clock::time_point end = Clock::now();
  const double end_cpu_s = process_cpu_s();
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    fail(std::string("pipeline failed: ") + err->message + " (" + (debug ? debug : "") + ")");
  }
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (count.frames < 2) fail("fewer than two buffers reached '" + count_at + "'");

  const double wall_s = std::chrono::duration<double>(end - count.first).count();
  const long timed = count.frames - 1;
  std::printf("{\"frames\":%ld,\"timed_frames\":%ld,\"wall_s\":%.3f,\"fps\":%.2f,\"cpu_s\":%.3f}\n",
              count.frames, timed, wall_s, double(timed) / wall_s, end_cpu_s - count.first_cpu_s);
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_forward(const std::map<std::string, std::string> &args) {
  const auto get = [&](const char *key, const char *fallback) {
    const auto found = args.find(key);
    return found == args.end() ? std::string(fallback) : found->second;
  };
  det::DetectorConfig config;
  config.model_path = get("--forward", "");
  config.threads = std::stoi(get("--threads", "0"));
  config.rewrite_graph = get("--rewrite-graph", "1") != "0";
  det::YoloDetector detector(config);
  det::SizePx frame;
  if (std::sscanf(get("--frame", "640x360").c_str(), "%dx%d", &frame.width, &frame.height) != 2) {
    fail("--frame wants WIDTHxHEIGHT");
  }
  detector.set_input_size(det::resolve_input_size(
      det::parse_input_size(get("--input-size", "auto")), detector.model_input_size(), frame));
  cv::Mat input(detector.input_height(), detector.input_width(), CV_8UC3);
  cv::RNG(1).fill(input, cv::RNG::UNIFORM, 0, 256);
  for (int i = 0; i < 2; ++i) detector.forward(input);
  const int runs = std::max(1, std::stoi(get("--runs", "20")));
  std::vector<double> wall_ms, cpu_ms;
  for (int i = 0; i < runs; ++i) {
    const double cpu0 = process_cpu_s();
    const Clock::time_point t0 = Clock::now();
    detector.forward(input);
    wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu_ms.push_back((process_cpu_s() - cpu0) * 1e3);
  }
  std::printf("{\"input\":\"%dx%d\",\"ms_per_forward\":%.2f,\"cpu_ms_per_forward\":%.2f}\n",
              detector.input_width(), detector.input_height(), median(wall_ms), median(cpu_ms));
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  try {
    if (args.contains("--launch")) {
      return run_pipeline(args["--launch"], args.contains("--count") ? args["--count"] : "sink");
    }
    if (args.contains("--forward")) return run_forward(args);
  } catch (const std::exception &e) {
    fail(e.what());
  }
  std::fprintf(stderr,
               "usage: %s --launch PIPELINE [--count NAME]\n"
               "       %s --forward MODEL [--frame WxH] [--input-size auto] [--rewrite-graph 1]"
               " [--runs 20] [--threads 0]\n",
               argv[0], argv[0]);
  return 2;
}
