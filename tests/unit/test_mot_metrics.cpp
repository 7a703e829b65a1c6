// MOTChallenge evaluator on hand-built sequences; every expected figure is worked out by hand in
// the comments. Boxes are 10x10 unless noted, far apart unless the test says otherwise.
#include <gtest/gtest.h>

#include <vector>

#include "mot_metrics.hpp"
#include "rw/common/error.hpp"

namespace rw::mot {
namespace {

MotRecord box(int frame, int id, float x, float y, float w = 10, float h = 10, float flag = 1) {
  return {frame, id, {x, y, x + w, y + h}, flag};
}

// Two objects walking right 5 px a frame over frames 1-3, with the given ids.
std::vector<MotRecord> two_walkers(int first_id, int second_id) {
  std::vector<MotRecord> records;
  for (int frame = 1; frame <= 3; ++frame) {
    records.push_back(box(frame, first_id, 5.0f * frame, 0));
    records.push_back(box(frame, second_id, 100 + 5.0f * frame, 0));
  }
  return records;
}

TEST(MotMetrics, PerfectTrackingScoresOne) {
  // 6 gt boxes, each matched exactly by a track with a stable id (the ids need not be equal).
  const MotMetrics m = evaluate(two_walkers(1, 2), two_walkers(7, 8));
  EXPECT_EQ(m.gt, 6);
  EXPECT_EQ(m.tp, 6);
  EXPECT_EQ(m.fp(), 0);
  EXPECT_EQ(m.fn(), 0);
  EXPECT_EQ(m.id_switches, 0);
  EXPECT_DOUBLE_EQ(m.mota(), 1.0);
  EXPECT_DOUBLE_EQ(m.motp(), 1.0);
  EXPECT_EQ(m.idtp, 6);
  EXPECT_DOUBLE_EQ(m.idf1(), 1.0);  // 2*6 / (6 + 6)
}

TEST(MotMetrics, AllMissed) {
  // FN = 6: MOTA = 1 - 6/6 = 0; IDF1 = 2*0 / (6 + 0) = 0.
  const MotMetrics m = evaluate(two_walkers(1, 2), {});
  EXPECT_EQ(m.fn(), 6);
  EXPECT_EQ(m.fp(), 0);
  EXPECT_DOUBLE_EQ(m.mota(), 0.0);
  EXPECT_DOUBLE_EQ(m.idf1(), 0.0);
}

TEST(MotMetrics, OneIdSwitchMidSequence) {
  // One object over frames 1-5, tracked by id 10 in frames 1-3 and id 11 in frames 4-5.
  std::vector<MotRecord> gt, tracks;
  for (int frame = 1; frame <= 5; ++frame) {
    gt.push_back(box(frame, 1, 10.0f * frame, 0));
    tracks.push_back(box(frame, frame <= 3 ? 10 : 11, 10.0f * frame, 0));
  }
  const MotMetrics m = evaluate(gt, tracks);
  // CLEAR: 5 TP, the switch 10 -> 11 at frame 4: MOTA = 1 - (0 + 0 + 1)/5 = 0.8.
  EXPECT_EQ(m.tp, 5);
  EXPECT_EQ(m.id_switches, 1);
  EXPECT_DOUBLE_EQ(m.mota(), 0.8);
  // Identity: gt 1 is assigned to id 10 (3 frames, beats id 11's 2): IDTP = 3,
  // IDF1 = 2*3 / (5 + 5) = 0.6.
  EXPECT_EQ(m.idtp, 3);
  EXPECT_DOUBLE_EQ(m.idf1(), 0.6);
}

TEST(MotMetrics, FalsePositiveTrack) {
  // gt 1 over frames 1-3 tracked exactly by id 1; id 2 sits on nothing in frames 1-3.
  std::vector<MotRecord> gt, tracks;
  for (int frame = 1; frame <= 3; ++frame) {
    gt.push_back(box(frame, 1, 0, 0));
    tracks.push_back(box(frame, 1, 0, 0));
    tracks.push_back(box(frame, 2, 200, 200));
  }
  const MotMetrics m = evaluate(gt, tracks);
  // TP 3, FP 3: MOTA = 1 - 3/3 = 0. IDTP 3: IDF1 = 2*3 / (3 + 6) = 2/3, IDP 3/6, IDR 3/3.
  EXPECT_EQ(m.fp(), 3);
  EXPECT_EQ(m.fn(), 0);
  EXPECT_DOUBLE_EQ(m.mota(), 0.0);
  EXPECT_DOUBLE_EQ(m.idf1(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.idp(), 0.5);
  EXPECT_DOUBLE_EQ(m.idr(), 1.0);
}

TEST(MotMetrics, FragmentationIntoTwoIds) {
  // gt 1 over frames 1-6: id 5 in frames 1-2, nothing in frame 3, id 6 in frames 4-6.
  std::vector<MotRecord> gt, tracks;
  for (int frame = 1; frame <= 6; ++frame) {
    gt.push_back(box(frame, 1, 10.0f * frame, 0));
    if (frame != 3) tracks.push_back(box(frame, frame < 3 ? 5 : 6, 10.0f * frame, 0));
  }
  const MotMetrics m = evaluate(gt, tracks);
  // CLEAR: TP 5, FN 1 (frame 3), and frame 4's id 6 differs from the latest match (id 5 at
  // frame 2, across the gap): IDSW 1. MOTA = 1 - (1 + 0 + 1)/6 = 2/3.
  EXPECT_EQ(m.tp, 5);
  EXPECT_EQ(m.fn(), 1);
  EXPECT_EQ(m.id_switches, 1);
  EXPECT_DOUBLE_EQ(m.mota(), 2.0 / 3.0);
  // Identity: gt 1 <-> id 6 (3 frames, beats id 5's 2): IDTP 3, IDF1 = 2*3 / (6 + 5) = 6/11.
  EXPECT_EQ(m.idtp, 3);
  EXPECT_DOUBLE_EQ(m.idf1(), 6.0 / 11.0);
}

TEST(MotMetrics, IdentityAssignmentIsGlobalNotGreedy) {
  // gt A (id 1) over frames 1-7, gt B (id 2) over frames 5-7. Track X (id 10) follows A in
  // frames 1-4, then B in frames 5-7; track Y (id 11) follows A in frames 5-7.
  std::vector<MotRecord> gt, tracks;
  for (int frame = 1; frame <= 7; ++frame) {
    gt.push_back(box(frame, 1, 0, 0));
    if (frame >= 5) {
      gt.push_back(box(frame, 2, 50, 0));
      tracks.push_back(box(frame, 10, 50, 0));
      tracks.push_back(box(frame, 11, 0, 0));
    } else {
      tracks.push_back(box(frame, 10, 0, 0));
    }
  }
  const MotMetrics m = evaluate(gt, tracks);
  // Overlaps: A-X 4, A-Y 3, B-X 3. Greedy A-X alone gives IDTP 4; the optimum A-Y + B-X gives
  // 6. GT = 7 + 3 = 10, predictions = 7 + 3 = 10: IDF1 = 2*6 / 20 = 0.6.
  EXPECT_EQ(m.idtp, 6);
  EXPECT_DOUBLE_EQ(m.idf1(), 0.6);
  // CLEAR: all 10 boxes matched; A goes X -> Y at frame 5: MOTA = 1 - 1/10 = 0.9.
  EXPECT_EQ(m.tp, 10);
  EXPECT_EQ(m.id_switches, 1);
  EXPECT_DOUBLE_EQ(m.mota(), 0.9);
}

TEST(MotMetrics, KeepsLastFramesMatchWhileItsIouHolds) {
  // gt 1 stays at (0,0,10,10). Frame 1: track A (id 1) on it exactly. Frame 2: A shrinks to
  // 10x6 (IoU 0.6) and track B (id 2, 10x8, IoU 0.8) appears. Frame 3: A shrinks to 10x4
  // (IoU 0.4), B stays.
  const std::vector<MotRecord> gt{box(1, 1, 0, 0), box(2, 1, 0, 0), box(3, 1, 0, 0)};
  const std::vector<MotRecord> tracks{box(1, 1, 0, 0), box(2, 1, 0, 0, 10, 6),
                                      box(2, 2, 0, 0, 10, 8), box(3, 1, 0, 0, 10, 4),
                                      box(3, 2, 0, 0, 10, 8)};
  const MotMetrics m = evaluate(gt, tracks);
  // Frame 2 keeps A (0.6 >= 0.5) although B overlaps more: no switch, B is an FP. Frame 3 drops
  // A (0.4) and matches B: one switch, A is an FP. TP 3, FP 2, IDSW 1: MOTA = 1 - 3/3 = 0.
  // MOTP = (1 + 0.6 + 0.8) / 3 = 0.8.
  EXPECT_EQ(m.tp, 3);
  EXPECT_EQ(m.fp(), 2);
  EXPECT_EQ(m.id_switches, 1);
  EXPECT_DOUBLE_EQ(m.mota(), 0.0);
  EXPECT_NEAR(m.motp(), 0.8, 1e-6);
  // Identity: gt-A 2 frames (IoU 1, 0.6), gt-B 2 frames: IDTP 2, IDF1 = 2*2 / (3 + 5) = 0.5.
  EXPECT_EQ(m.idtp, 2);
  EXPECT_DOUBLE_EQ(m.idf1(), 0.5);
}

TEST(MotMetrics, MaximisesTheNumberOfMatchesBeforeTheirIou) {
  // gt a = (0,0,10,10), gt b = (0,4,10,10); track y = (0,0,10,10), track x = (0,0,10,6).
  // IoU a-y 1, a-x 0.6, b-y 0.6, b-x 20/100 = 0.2. The lowest-cost single pair a-y leaves b
  // unmatched; a-x + b-y matches both.
  const std::vector<MotRecord> gt{box(1, 1, 0, 0), box(1, 2, 0, 4, 10, 6)};
  const std::vector<MotRecord> tracks{box(1, 1, 0, 0), box(1, 2, 0, 0, 10, 6)};
  const MotMetrics m = evaluate(gt, tracks);
  EXPECT_EQ(m.tp, 2);
  EXPECT_DOUBLE_EQ(m.mota(), 1.0);
  EXPECT_NEAR(m.motp(), 0.6, 1e-6);
}

TEST(MotMetrics, IgnoredGroundTruthIsNeitherMissedNorAFalsePositive) {
  // gt 1 (evaluated) tracked exactly by id 1 in frames 1-2. gt 2 is ignored (flag 0) in
  // frames 1-2, and gt 3 ignored in frame 1 with no track on it. Track 2 covers gt 2 exactly in
  // frame 1 (dropped), but only its top 10x4 in frame 2 (IoU 0.4: kept, an FP).
  const std::vector<MotRecord> gt{box(1, 1, 0, 0), box(2, 1, 0, 0), box(1, 2, 50, 0, 10, 10, 0),
                                  box(2, 2, 50, 0, 10, 10, 0), box(1, 3, 100, 0, 10, 10, 0)};
  const std::vector<MotRecord> tracks{box(1, 1, 0, 0), box(2, 1, 0, 0), box(1, 2, 50, 0),
                                      box(2, 2, 50, 0, 10, 4)};
  const MotMetrics m = evaluate(gt, tracks);
  // GT 2, predictions 3, TP 2, FP 1, FN 0: MOTA = 1 - 1/2 = 0.5; IDF1 = 2*2 / (2 + 3) = 0.8.
  EXPECT_EQ(m.gt, 2);
  EXPECT_EQ(m.predictions, 3);
  EXPECT_EQ(m.fp(), 1);
  EXPECT_EQ(m.fn(), 0);
  EXPECT_DOUBLE_EQ(m.mota(), 0.5);
  EXPECT_DOUBLE_EQ(m.idf1(), 0.8);
}

TEST(MotMetrics, SumsAggregateOverSequences) {
  // Perfect (GT 6, TP 6) + all missed (GT 6, FN 6): MOTA = 1 - 6/12 = 0.5,
  // IDF1 = 2*6 / (12 + 6) = 2/3.
  MotMetrics total = evaluate(two_walkers(1, 2), two_walkers(1, 2));
  total += evaluate(two_walkers(1, 2), {});
  EXPECT_EQ(total.gt, 12);
  EXPECT_DOUBLE_EQ(total.mota(), 0.5);
  EXPECT_DOUBLE_EQ(total.idf1(), 2.0 / 3.0);
}

TEST(MotMetrics, RejectsAnIdTwiceInOneFrame) {
  EXPECT_THROW(evaluate({box(1, 1, 0, 0)}, {box(1, 4, 0, 0), box(1, 4, 50, 0)}), rw::Error);
}

}  // namespace
}  // namespace rw::mot
