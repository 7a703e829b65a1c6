// Runs rw::track::Tracker motion-only (no appearance features) over a MOTChallenge det.txt,
// writes MOT results and, with --gt, scores them. Prints key=value lines (run-mot15.sh reads
// them):
//   frames=… detections=… tracker_fps=…       the tracker alone: file I/O and scoring untimed
//   gt=… predictions=… tp=… fp=… fn=… idsw=… idtp=… mota=… idf1=… motp=…   (with --gt, %)
//
//   mot-track --det det.txt --out results.txt [--gt gt.txt] [--max-age N] [--n-init N]
//       [--max-iou-distance F] [--high-threshold F] [--low-threshold F]
//       [--low-max-iou-distance F] [--min-score F]
//
// Output rule (SORT's, for a like-for-like comparison with its published MOTA): a track is
// written in a frame only when a detection updated it in that frame and it is confirmed, or,
// in the first n_init frames of the sequence, also while tentative. Its box is the Kalman
// estimate after the update, as SORT writes it (on MOT15 it also scores higher than the
// matched detection's box).

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "mot_io.hpp"
#include "mot_metrics.hpp"
#include "rw/common/error.hpp"
#include "rw/track/tracker.hpp"

namespace {

using rw::mot::MotRecord;
using rw::track::TrackState;

struct Options {
  std::string det, out, gt;
  rw::track::TrackerConfig tracker;
  float min_score = 0;  // detections below are dropped before the tracker
};

template <typename T>
T parse_number(const std::string &option, const std::string &text) {
  T value{};
  const char *end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) {
    throw rw::Error(option + ": '" + text + "' is not a valid number");
  }
  return value;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    rw::track::TrackerConfig &t = o.tracker;
    if (key == "--det") {
      o.det = value;
    } else if (key == "--out") {
      o.out = value;
    } else if (key == "--gt") {
      o.gt = value;
    } else if (key == "--max-age") {
      t.max_age = parse_number<int>(key, value);
    } else if (key == "--n-init") {
      t.n_init = parse_number<int>(key, value);
    } else if (key == "--max-iou-distance") {
      t.max_iou_distance = parse_number<double>(key, value);
    } else if (key == "--high-threshold") {
      t.high_threshold = parse_number<float>(key, value);
    } else if (key == "--low-threshold") {
      t.low_threshold = parse_number<float>(key, value);
    } else if (key == "--low-max-iou-distance") {
      t.low_max_iou_distance = parse_number<double>(key, value);
    } else if (key == "--min-score") {
      o.min_score = parse_number<float>(key, value);
    } else {
      throw rw::Error("unknown option " + key);
    }
  }
  if (argc % 2 == 0 || o.det.empty() || o.out.empty()) {
    throw rw::Error(
        "usage: mot-track --det FILE --out FILE [--gt FILE] [--max-age N] [--n-init N] "
        "[--max-iou-distance F] [--high-threshold F] [--low-threshold F] "
        "[--low-max-iou-distance F] [--min-score F]");
  }
  return o;
}

struct TrackRun {
  std::vector<MotRecord> results;
  int frames = 0;
  double tracker_s = 0;
};

TrackRun track(const std::vector<MotRecord> &detections, int frames, const Options &options) {
  std::map<int, std::vector<rw::track::TrackInput>> inputs_by_frame;
  for (const MotRecord &d : detections) {
    if (d.score >= options.min_score) inputs_by_frame[d.frame].push_back({d.box, 0, d.score, {}});
  }
  rw::track::Tracker tracker(options.tracker);
  const std::vector<rw::track::TrackInput> no_detections;
  TrackRun run;
  run.frames = frames;
  for (int frame = 1; frame <= frames; ++frame) {
    const auto inputs = inputs_by_frame.find(frame);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<rw::track::TrackOutput> tracks =
        tracker.update(inputs == inputs_by_frame.end() ? no_detections : inputs->second);
    run.tracker_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool warming_up = frame <= options.tracker.n_init;
    for (const rw::track::TrackOutput &t : tracks) {
      if (t.detection >= 0 && (t.state == TrackState::kConfirmed || warming_up)) {
        run.results.push_back({frame, static_cast<int>(t.id), t.box, 1});
      }
    }
  }
  return run;
}

int last_frame(const std::vector<MotRecord> &records) {
  int last = 0;
  for (const MotRecord &r : records) last = std::max(last, r.frame);
  return last;
}

}  // namespace

int main(int argc, char **argv) {
  try {
    const Options options = parse(argc, argv);
    const std::vector<MotRecord> detections = rw::mot::read_mot_file(options.det);
    const std::vector<MotRecord> gt =
        options.gt.empty() ? std::vector<MotRecord>{} : rw::mot::read_mot_file(options.gt);
    // The sequence runs to its last annotated frame; frames without detections still count.
    const TrackRun run =
        track(detections, std::max(last_frame(detections), last_frame(gt)), options);
    rw::mot::write_mot_results(options.out, run.results);
    std::printf("frames=%d detections=%zu tracker_fps=%.1f\n", run.frames, detections.size(),
                run.frames / run.tracker_s);
    if (!options.gt.empty()) {
      const rw::mot::MotMetrics m = rw::mot::evaluate(gt, run.results);
      std::printf(
          "gt=%ld predictions=%ld tp=%ld fp=%ld fn=%ld idsw=%ld idtp=%ld mota=%.1f idf1=%.1f "
          "motp=%.1f\n",
          m.gt, m.predictions, m.tp, m.fp(), m.fn(), m.id_switches, m.idtp, 100 * m.mota(),
          100 * m.idf1(), 100 * m.motp());
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "mot-track: %s\n", e.what());
    return 1;
  }
}
