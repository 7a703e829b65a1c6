#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rw/detect/box.hpp"

namespace rw::track {

using rw::detect::Box;

struct TrackerConfig {
  int max_age = 30;                   // frames a track may go unmatched before deletion
  int n_init = 3;                     // consecutive matched frames to confirm a track
  double max_iou_distance = 0.7;      // IoU matching gate: 1 - IoU above this never matches
  double max_cosine_distance = 0.2;   // appearance gate of the matching cascade
  int nn_budget = 100;                // appearance features kept per track
  float high_threshold = 0.5f;        // first association and new tracks: score >= this
  float low_threshold = 0.1f;         // second association only: low <= score < high
  double low_max_iou_distance = 0.5;  // gate of the second (low-score) association
  std::size_t max_tracks = 1000;      // bound on live tracks; new ones beyond it are not made
  std::uint64_t first_id = 1;         // id of the first track, then counting up; read when the
                                      // tracker is made (set_config keeps the count), 0 = 1

  bool operator==(const TrackerConfig &) const = default;
};

// One detection of an inferred frame. feature is an L2-normalised appearance descriptor, or
// empty when none was computed (appearance=none, or a detection that does not need one).
struct TrackInput {
  Box box;
  int class_id = 0;
  float score = 0;
  std::vector<float> feature;
};

enum class TrackState { kTentative, kConfirmed };

const char *to_string(TrackState state);

struct TrackOutput {
  std::uint64_t id = 0;  // unique, never reused by this tracker (reset() included)
  TrackState state = TrackState::kTentative;
  Box box;             // Kalman estimate after this frame's update or prediction
  int detection = -1;  // index into this frame's inputs, -1 when unmatched
  int class_id = 0;
  float score = 0;           // score of the last matched detection
  std::uint32_t age = 0;     // frames since the track was created
  std::uint32_t hits = 0;    // frames with a matched detection
  std::uint32_t misses = 0;  // frames since the last matched detection
};

// DeepSORT (Wojke et al. 2017) with ByteTrack's second association round for low-score
// detections. One call per frame; time advances one frame per call.
class Tracker {
 public:
  explicit Tracker(const TrackerConfig &config);
  ~Tracker();
  Tracker(const Tracker &) = delete;
  Tracker &operator=(const Tracker &) = delete;

  // A frame with inference: predict, associate, update, create, delete. Returns every live
  // track, tentative and confirmed, ordered by id.
  std::vector<TrackOutput> update(const std::vector<TrackInput> &detections);

  // A frame without inference: every track only predicts (and ages).
  std::vector<TrackOutput> predict();

  // Forgets every track (new stream, flush); ids keep counting so none is ever reused.
  void reset();

  void set_config(const TrackerConfig &config);
  const TrackerConfig &config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::track
