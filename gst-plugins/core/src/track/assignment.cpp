#include "rw/track/assignment.hpp"

#include <algorithm>
#include <limits>

namespace rw::track {
namespace {

// Shortest augmenting path Hungarian method with row/column potentials, for rows <= cols.
// Returns the column assigned to each row.
std::vector<int> hungarian(const CostMatrix &m) {
  const int n = m.rows, k = m.cols;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // 1-based arrays; column 0 is the virtual start of each augmenting path.
  std::vector<double> u(n + 1, 0), v(k + 1, 0), min_to(k + 1);
  std::vector<int> row_of(k + 1, 0), previous(k + 1, 0);
  std::vector<bool> used(k + 1);
  for (int i = 1; i <= n; ++i) {
    row_of[0] = i;
    int j0 = 0;
    std::fill(min_to.begin(), min_to.end(), kInf);
    std::fill(used.begin(), used.end(), false);
    do {
      used[j0] = true;
      const int i0 = row_of[j0];
      double delta = kInf;
      int j1 = 0;
      for (int j = 1; j <= k; ++j) {
        if (used[j]) continue;
        const double reduced = m.at(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < min_to[j]) {
          min_to[j] = reduced;
          previous[j] = j0;
        }
        if (min_to[j] < delta) {
          delta = min_to[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= k; ++j) {
        if (used[j]) {
          u[row_of[j]] += delta;
          v[j] -= delta;
        } else {
          min_to[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    do {  // flip the augmenting path
      const int j1 = previous[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> col_of_row(n, -1);
  for (int j = 1; j <= k; ++j) {
    if (row_of[j] != 0) col_of_row[row_of[j] - 1] = j - 1;
  }
  return col_of_row;
}

CostMatrix transposed(const CostMatrix &m) {
  CostMatrix t(m.cols, m.rows);
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) t.at(c, r) = m.at(r, c);
  }
  return t;
}

}  // namespace

Assignment solve_assignment(const CostMatrix &costs, double max_cost) {
  Assignment result;
  // Gated pairs cost more than any set of allowed pairs can add up to, so the solver first
  // makes as many allowed pairs as it can, then the cheapest of those; gated pairs it still
  // picks (the assignment is complete on the smaller side) are dropped below. DeepSORT prices
  // them just above the gate instead, which can trade two allowed matches for one cheaper one.
  const double gated_cost = std::min(costs.rows, costs.cols) * std::max(max_cost, 0.0) + 1.0;
  CostMatrix gated = costs;
  for (double &c : gated.cost) {
    if (!(c <= max_cost)) c = gated_cost;  // NaN and infinity are gated too
  }
  std::vector<int> col_of_row(costs.rows, -1);
  if (costs.rows > 0 && costs.cols > 0) {
    if (costs.rows <= costs.cols) {
      col_of_row = hungarian(gated);
    } else {
      const std::vector<int> row_of_col = hungarian(transposed(gated));
      for (int c = 0; c < costs.cols; ++c) {
        if (row_of_col[c] >= 0) col_of_row[row_of_col[c]] = c;
      }
    }
  }
  std::vector<bool> col_taken(costs.cols, false);
  for (int r = 0; r < costs.rows; ++r) {
    const int c = col_of_row[r];
    if (c >= 0 && costs.at(r, c) <= max_cost) {
      result.matches.emplace_back(r, c);
      col_taken[c] = true;
    } else {
      result.unmatched_rows.push_back(r);
    }
  }
  for (int c = 0; c < costs.cols; ++c) {
    if (!col_taken[c]) result.unmatched_cols.push_back(c);
  }
  return result;
}

}  // namespace rw::track
