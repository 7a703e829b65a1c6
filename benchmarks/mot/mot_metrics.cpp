#include "mot_metrics.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "rw/common/error.hpp"
#include "rw/track/assignment.hpp"

namespace rw::mot {
namespace {

using rw::detect::iou;
using IndexPairs = std::vector<std::pair<int, int>>;

struct Frame {
  std::vector<MotRecord> gt;  // evaluated
  std::vector<MotRecord> ignored;
  std::vector<MotRecord> tracks;
};

std::vector<Box> boxes_of(const std::vector<MotRecord> &records) {
  std::vector<Box> boxes;
  boxes.reserve(records.size());
  for (const MotRecord &r : records) boxes.push_back(r.box);
  return boxes;
}

// Optimal one-to-one matching of boxes a to boxes b with IoU >= min_iou, as (index in a, index
// in b): the most pairs, then the highest total IoU (py-motmetrics); solve_assignment puts the
// number of pairs first.
IndexPairs match_boxes(const std::vector<Box> &a, const std::vector<Box> &b, float min_iou) {
  const int rows = static_cast<int>(a.size()), cols = static_cast<int>(b.size());
  const double max_cost = 1.0 - double(min_iou);
  rw::track::CostMatrix costs(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) costs.at(r, c) = 1.0 - double(iou(a[r], b[c]));
  }
  IndexPairs pairs;
  for (const auto &[r, c] : rw::track::solve_assignment(costs, max_cost).matches) {
    pairs.emplace_back(r, c);
  }
  return pairs;
}

void check_unique_ids(const std::vector<MotRecord> &records, int frame, const char *what) {
  std::set<int> ids;
  for (const MotRecord &r : records) {
    if (!ids.insert(r.id).second) {
      throw rw::Error(std::string(what) + " has id " + std::to_string(r.id) + " twice in frame " +
                      std::to_string(frame));
    }
  }
}

std::map<int, Frame> group_by_frame(const std::vector<MotRecord> &gt,
                                    const std::vector<MotRecord> &tracks) {
  std::map<int, Frame> frames;
  for (const MotRecord &g : gt) {
    (is_evaluated(g) ? frames[g.frame].gt : frames[g.frame].ignored).push_back(g);
  }
  for (const MotRecord &t : tracks) frames[t.frame].tracks.push_back(t);
  for (const auto &[number, frame] : frames) {
    std::vector<MotRecord> all_gt = frame.gt;
    all_gt.insert(all_gt.end(), frame.ignored.begin(), frame.ignored.end());
    check_unique_ids(all_gt, number, "ground truth");
    check_unique_ids(frame.tracks, number, "tracker output");
  }
  return frames;
}

// Drops the tracker boxes that the joint matching gives to ignored ground truth.
void drop_tracks_on_ignored(Frame &frame, float min_iou) {
  if (frame.ignored.empty() || frame.tracks.empty()) return;
  std::vector<Box> all_gt = boxes_of(frame.gt);
  const std::vector<Box> ignored = boxes_of(frame.ignored);
  all_gt.insert(all_gt.end(), ignored.begin(), ignored.end());
  std::vector<bool> dropped(frame.tracks.size(), false);
  for (const auto &[g, t] : match_boxes(all_gt, boxes_of(frame.tracks), min_iou)) {
    if (g >= static_cast<int>(frame.gt.size())) dropped[t] = true;
  }
  std::vector<MotRecord> kept;
  for (std::size_t t = 0; t < frame.tracks.size(); ++t) {
    if (!dropped[t]) kept.push_back(frame.tracks[t]);
  }
  frame.tracks = std::move(kept);
}

// CLEAR-MOT matches of one frame, (gt index, track index): last frame's pairs that still
// overlap enough, then the optimal matching of the rest.
IndexPairs clear_mot_matches(const Frame &frame, const std::unordered_map<int, int> &last_frame,
                             float min_iou) {
  IndexPairs pairs;
  std::vector<bool> gt_taken(frame.gt.size(), false), track_taken(frame.tracks.size(), false);
  const int gt_count = static_cast<int>(frame.gt.size());
  const int track_count = static_cast<int>(frame.tracks.size());
  for (int g = 0; g < gt_count; ++g) {
    const auto previous = last_frame.find(frame.gt[g].id);
    if (previous == last_frame.end()) continue;
    for (int t = 0; t < track_count; ++t) {
      if (frame.tracks[t].id == previous->second &&
          iou(frame.gt[g].box, frame.tracks[t].box) >= min_iou) {
        pairs.emplace_back(g, t);
        gt_taken[g] = track_taken[t] = true;
      }
    }
  }
  std::vector<int> free_gt, free_tracks;
  std::vector<Box> free_gt_boxes, free_track_boxes;
  for (int g = 0; g < gt_count; ++g) {
    if (gt_taken[g]) continue;
    free_gt.push_back(g);
    free_gt_boxes.push_back(frame.gt[g].box);
  }
  for (int t = 0; t < track_count; ++t) {
    if (track_taken[t]) continue;
    free_tracks.push_back(t);
    free_track_boxes.push_back(frame.tracks[t].box);
  }
  for (const auto &[g, t] : match_boxes(free_gt_boxes, free_track_boxes, min_iou)) {
    pairs.emplace_back(free_gt[g], free_tracks[t]);
  }
  return pairs;
}

// IDTP from frame counts per (gt id, track id) pair. Every pair costs most - count, and every
// id of the smaller side is assigned (no pair is gated), so the cheapest assignment is the one
// with the most overlapping frames; pairs that never overlap add 0.
long identity_true_positives(const std::map<std::pair<int, int>, long> &overlaps) {
  std::map<int, int> row_of_gt, col_of_track;
  long most = 0;
  for (const auto &[ids, count] : overlaps) {
    row_of_gt.emplace(ids.first, static_cast<int>(row_of_gt.size()));
    col_of_track.emplace(ids.second, static_cast<int>(col_of_track.size()));
    most = std::max(most, count);
  }
  const auto max_cost = static_cast<double>(most);
  rw::track::CostMatrix costs(static_cast<int>(row_of_gt.size()),
                              static_cast<int>(col_of_track.size()), max_cost);
  for (const auto &[ids, count] : overlaps) {
    costs.at(row_of_gt[ids.first], col_of_track[ids.second]) =
        max_cost - static_cast<double>(count);
  }
  long idtp = 0;
  for (const auto &[r, c] : rw::track::solve_assignment(costs, max_cost).matches) {
    idtp += most - static_cast<long>(costs.at(r, c));
  }
  return idtp;
}

double ratio(double numerator, long denominator) {
  return numerator / static_cast<double>(std::max(1L, denominator));
}

}  // namespace

double MotMetrics::mota() const {
  return 1.0 - ratio(static_cast<double>(fn() + fp() + id_switches), gt);
}
double MotMetrics::motp() const {
  return ratio(tp_iou_sum, tp);
}
double MotMetrics::idf1() const {
  return ratio(2.0 * static_cast<double>(idtp), gt + predictions);
}
double MotMetrics::idp() const {
  return ratio(static_cast<double>(idtp), predictions);
}
double MotMetrics::idr() const {
  return ratio(static_cast<double>(idtp), gt);
}

MotMetrics &MotMetrics::operator+=(const MotMetrics &other) {
  gt += other.gt;
  predictions += other.predictions;
  tp += other.tp;
  id_switches += other.id_switches;
  tp_iou_sum += other.tp_iou_sum;
  idtp += other.idtp;
  return *this;
}

MotMetrics evaluate(const std::vector<MotRecord> &gt, const std::vector<MotRecord> &tracks,
                    float min_iou) {
  MotMetrics metrics;
  std::unordered_map<int, int> last_frame_match;  // gt id -> track id, in the previous frame
  std::unordered_map<int, int> latest_match;      // gt id -> track id at its latest match
  std::map<std::pair<int, int>, long> overlaps;   // (gt id, track id) -> frames with IoU >= min
  int previous_frame = 0;
  for (auto &[number, frame] : group_by_frame(gt, tracks)) {
    drop_tracks_on_ignored(frame, min_iou);
    metrics.gt += static_cast<long>(frame.gt.size());
    metrics.predictions += static_cast<long>(frame.tracks.size());
    for (const MotRecord &g : frame.gt) {
      for (const MotRecord &t : frame.tracks) {
        if (iou(g.box, t.box) >= min_iou) ++overlaps[{g.id, t.id}];
      }
    }
    // Frames absent from both inputs are empty: nothing in them carries over.
    if (number != previous_frame + 1) last_frame_match.clear();
    previous_frame = number;

    std::unordered_map<int, int> this_frame_match;
    for (const auto &[g, t] : clear_mot_matches(frame, last_frame_match, min_iou)) {
      const int gt_id = frame.gt[g].id, track_id = frame.tracks[t].id;
      ++metrics.tp;
      metrics.tp_iou_sum += iou(frame.gt[g].box, frame.tracks[t].box);
      const auto [latest, first_match] = latest_match.try_emplace(gt_id, track_id);
      if (!first_match && latest->second != track_id) {
        ++metrics.id_switches;
        latest->second = track_id;
      }
      this_frame_match.emplace(gt_id, track_id);
    }
    last_frame_match = std::move(this_frame_match);
  }
  metrics.idtp = identity_true_positives(overlaps);
  return metrics;
}

}  // namespace rw::mot
