// Detection pipeline throughput on one clip, with the limits it is bounded by measured in the
// same run: (i) decode only, (ii) the model's forward pass only at the same network input
// (yolodetect's input-size for the clip's frames, graph rewrite as in the element),
// (iii) decode + yolodetect end to end at several intervals. Prints one table; the ratio
// (iii)/(ii) at interval 0 is the cost of everything that is not inference.
//
//   rw_detect_pipeline_bench --clip highway-1280x720.mp4 --model yolox_nano.onnx
//       [--forward-runs 40] [--intervals 0,1,2] [--threads 0] [--input-size auto]
//       [--rewrite-graph 1]

#include <gst/gst.h>
#include <gst/video/video.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "plugin_features.h"
#include "rw/detect/input_size.hpp"
#include "rw/detect/yolo_detector.hpp"

namespace {

struct Options {
  std::string clip, model;
  int forward_runs = 40;
  int threads = 0;
  std::string input_size = "auto";
  bool rewrite_graph = true;
  std::vector<int> intervals{0, 1, 2};
};

struct Run {
  double wall_s = 0;
  double cpu_s = 0;
  long frames = 0;
  int width = 0, height = 0;  // of the frames reaching the sink
  double ms_per_frame() const { return frames > 0 ? wall_s * 1e3 / double(frames) : 0; }
};

double process_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *, gpointer data) {
  Run &run = *static_cast<Run *>(data);
  if (run.frames++ == 0) {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    GstVideoInfo info;
    if (caps != nullptr && gst_video_info_from_caps(&info, caps)) {
      run.width = GST_VIDEO_INFO_WIDTH(&info);
      run.height = GST_VIDEO_INFO_HEIGHT(&info);
    }
    if (caps != nullptr) gst_caps_unref(caps);
  }
  return GST_PAD_PROBE_OK;
}

// Runs a launch line whose sink is named "sink" to EOS; frames counted at the sink's pad.
Run run_pipeline(const std::string &launch) {
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
  if (pipeline == nullptr) {
    std::fprintf(stderr, "bad pipeline: %s\n", error->message);
    std::exit(1);
  }
  Run run;
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &run, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);

  const double cpu0 = process_cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.cpu_s = process_cpu_s() - cpu0;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    std::fprintf(stderr, "pipeline failed: %s\n", err->message);
    std::exit(1);
  }
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return run;
}

// At the network input yolodetect picks for frames of frame_w x frame_h.
Run run_forward(const Options &options, int frame_w, int frame_h) {
  namespace det = rw::detect;
  det::DetectorConfig config;
  config.model_path = options.model;
  config.threads = options.threads;
  config.rewrite_graph = options.rewrite_graph;
  det::YoloDetector detector(config);
  detector.set_input_size(det::resolve_input_size(det::parse_input_size(options.input_size),
                                                  detector.model_input_size(), {frame_w, frame_h}));
  cv::Mat input(detector.input_height(), detector.input_width(), CV_8UC3);
  cv::randu(input, 0, 255);
  for (int i = 0; i < 3; ++i) detector.forward(input);  // warm-up: allocations, caches
  Run run;
  const double cpu0 = process_cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < options.forward_runs; ++i) detector.forward(input);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.cpu_s = process_cpu_s() - cpu0;
  run.frames = options.forward_runs;
  std::printf("model           : %s, %dx%d input, %s; %s\n", options.model.c_str(),
              detector.input_width(), detector.input_height(), detector.device_note().c_str(),
              detector.rewrite_note().c_str());
  return run;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--clip") {
      o.clip = value;
    } else if (key == "--model") {
      o.model = value;
    } else if (key == "--forward-runs") {
      o.forward_runs = std::stoi(value);
    } else if (key == "--threads") {
      o.threads = std::stoi(value);
    } else if (key == "--input-size") {
      o.input_size = value;
    } else if (key == "--rewrite-graph") {
      o.rewrite_graph = value != "0";
    } else if (key == "--intervals") {
      o.intervals.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) o.intervals.push_back(std::stoi(item));
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (o.clip.empty() || o.model.empty()) {
    std::fprintf(stderr,
                 "usage: %s --clip FILE --model FILE [--forward-runs N] "
                 "[--intervals 0,1,2] [--threads N] [--input-size auto] "
                 "[--rewrite-graph 1]\n",
                 argv[0]);
    std::exit(2);
  }
  return o;
}

void print_row(const char *what, const Run &run, double model_ms) {
  std::printf("%-34s %7ld %9.2f %8.1f %9.2f %9.3f\n", what, run.frames, run.ms_per_frame(),
              run.frames / run.wall_s, run.cpu_s * 1e3 / double(run.frames),
              run.ms_per_frame() / model_ms);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  const Options options = parse(argc, argv);
  gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "roadwatch", "roadwatch",
                             rw_register_plugin_features, "0", "unknown", "roadwatch", "roadwatch",
                             "roadwatch");
  std::printf("clip            : %s\n", options.clip.c_str());
  std::printf("machine         : %u hardware threads, %s, OpenCV %s\n",
              std::thread::hardware_concurrency(), gst_version_string(), CV_VERSION);

  const std::string source = "filesrc location=\"" + options.clip + "\" ! decodebin ! ";
  const Run decode = run_pipeline(source + "fakesink name=sink sync=false");
  const Run forward = run_forward(options, decode.width, decode.height);
  std::vector<Run> detect;
  for (const int interval : options.intervals) {
    detect.push_back(run_pipeline(
        source + "yolodetect model-file=\"" + options.model +
        "\" threads=" + std::to_string(options.threads) + " input-size=" + options.input_size +
        " rewrite-graph=" + (options.rewrite_graph ? "true" : "false") +
        " interval=" + std::to_string(interval) + " ! fakesink name=sink sync=false"));
  }

  const double model_ms = forward.ms_per_frame();
  std::printf("\n%-34s %7s %9s %8s %9s %9s\n", "stage", "frames", "ms/frame", "frames/s",
              "cpu ms/f", "x model");
  print_row("(i)   decode only", decode, model_ms);
  print_row("(ii)  model forward only", forward, model_ms);
  for (std::size_t i = 0; i < detect.size(); ++i) {
    const std::string label =
        "(iii) decode+yolodetect interval=" + std::to_string(options.intervals[i]);
    print_row(label.c_str(), detect[i], model_ms);
  }
  for (std::size_t i = 0; i < detect.size(); ++i) {
    const int interval = options.intervals[i];
    // Inference runs on one frame in interval+1; the rest of the per-frame cost is overhead.
    const double inference_ms = model_ms / (interval + 1);
    const double overhead = (detect[i].ms_per_frame() - inference_ms) / inference_ms * 100.0;
    std::printf(
        "interval=%d: %.2f ms/frame against %.2f ms of inference per frame: everything "
        "else costs %+.1f %% of inference\n",
        interval, detect[i].ms_per_frame(), inference_ms, overhead);
  }
  return 0;
}
