#pragma once

// MOTChallenge text files: det.txt, gt.txt and tracker results, one object per line:
//   frame, id, x, y, w, h, score, ...   (x, y top-left, 1-based pixels; further columns ignored)

#include <istream>
#include <string>
#include <vector>

#include "rw/detect/box.hpp"

namespace rw::mot {

using rw::detect::Box;

// One line. score is column 7: the detector score in det.txt, the "consider" flag in gt.txt
// (0 = not evaluated; MOT15 writes 1 or -1 for evaluated boxes), 1 in result files.
struct MotRecord {
  int frame = 0;
  int id = -1;  // -1 in det.txt
  Box box;
  float score = 1;
};

// Ground-truth boxes with flag 0 are not evaluated (MOTChallenge "ignore" boxes).
inline bool is_evaluated(const MotRecord &gt) {
  return gt.score != 0;
}

// Parses every line of input; source names it in errors ("det.txt:12: ..."). Blank lines are
// skipped. Throws rw::Error on a line with fewer than 7 numbers, a non-integer frame or id, a
// frame below 1, or a negative width or height.
std::vector<MotRecord> parse_mot(std::istream &input, const std::string &source);

// parse_mot on a file; throws rw::Error naming the file when it cannot be opened.
std::vector<MotRecord> read_mot_file(const std::string &path);

// Writes records as MOTChallenge results: frame,id,x,y,w,h,1,-1,-1,-1.
void write_mot_results(const std::string &path, const std::vector<MotRecord> &records);

}  // namespace rw::mot
