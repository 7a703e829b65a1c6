#pragma once

#include <utility>
#include <vector>

namespace rw::track {

// Costs of assigning each row (e.g. a track) to each column (e.g. a detection), row-major.
struct CostMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<double> cost;  // rows * cols entries

  CostMatrix(int rows_, int cols_, double fill = 0.0)
      : rows(rows_), cols(cols_), cost(static_cast<std::size_t>(rows_) * cols_, fill) {}
  double &at(int r, int c) { return cost[static_cast<std::size_t>(r) * cols + c]; }
  double at(int r, int c) const { return cost[static_cast<std::size_t>(r) * cols + c]; }
};

struct Assignment {
  std::vector<std::pair<int, int>> matches;  // (row, column), rows ascending
  std::vector<int> unmatched_rows;
  std::vector<int> unmatched_cols;
};

// One-to-one assignment (Hungarian method, O(n^2 m)), rectangular matrices allowed. A pair
// costing more than max_cost (or NaN) is never matched. Among assignments of allowed pairs,
// the one with the most pairs wins, then the one with the least total cost.
Assignment solve_assignment(const CostMatrix &costs, double max_cost);

}  // namespace rw::track
