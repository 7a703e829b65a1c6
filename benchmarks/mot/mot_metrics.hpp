#pragma once

// Tracking accuracy against MOTChallenge ground truth:
// - CLEAR-MOT (Bernardin & Stiefelhagen 2008): per frame, a ground-truth box keeps last frame's
//   track while their IoU stays >= the threshold; the rest are matched optimally (Hungarian,
//   cost 1 - IoU, IoU >= threshold, most matches first). An ID switch is a ground-truth object
//   matched to another track than at its previous match (across gaps too).
// - Identity (Ristani et al. 2016): the one-to-one ground-truth trajectory <-> track assignment
//   with the most frames where the pair overlaps with IoU >= the threshold gives IDTP.
// Ignored ground truth (flag 0) is handled as TrackEval handles MOT17's distractor classes: per
// frame, all ground-truth boxes are matched to the tracker's boxes as above; tracker boxes
// matched to an ignored box are dropped, then the ignored boxes. Both metrics see only what is
// left. (TrackEval's MOT15 mode only drops the flag-0 boxes: tracker boxes on them are FPs.)

#include <vector>

#include "mot_io.hpp"

namespace rw::mot {

// Counts over one or more sequences; ratios are computed from them, so sums aggregate.
struct MotMetrics {
  long gt = 0;           // evaluated ground-truth boxes
  long predictions = 0;  // tracker boxes left after dropping those on ignored ground truth
  long tp = 0;           // CLEAR-MOT matches
  long id_switches = 0;
  double tp_iou_sum = 0;  // IoU summed over the matches, for MOTP
  long idtp = 0;          // frames where a ground truth box is matched to its assigned track

  long fp() const { return predictions - tp; }
  long fn() const { return gt - tp; }
  double mota() const;  // 1 - (FN + FP + IDSW) / GT
  double motp() const;  // mean IoU of the matches (TrackEval's MOTP; higher is better)
  double idf1() const;  // 2 IDTP / (GT + predictions)
  double idp() const;   // IDTP / predictions
  double idr() const;   // IDTP / GT

  MotMetrics &operator+=(const MotMetrics &other);
};

// Evaluates one sequence: tracks are the tracker's records (any score), gt the ground truth
// (is_evaluated() tells ignored boxes apart). Frames may be in any order.
MotMetrics evaluate(const std::vector<MotRecord> &gt, const std::vector<MotRecord> &tracks,
                    float min_iou = 0.5f);

}  // namespace rw::mot
