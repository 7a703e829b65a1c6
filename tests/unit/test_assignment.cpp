// Hungarian assignment: known optima, rectangular shapes, gating.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "rw/track/assignment.hpp"

namespace {

using rw::track::CostMatrix;
using rw::track::solve_assignment;

CostMatrix matrix(int rows, int cols, std::initializer_list<double> values) {
  CostMatrix m(rows, cols);
  std::copy(values.begin(), values.end(), m.cost.begin());
  return m;
}

// Greedy would take (0,0)=1 and end at 13 or 14; the optimum (0,1)+(1,0)+(2,2) costs 8.
TEST(Assignment, FindsTheGlobalOptimumNotTheGreedyOne) {
  const auto m = matrix(3, 3,
                        {1, 2, 9,  //
                         2, 9, 9,  //
                         9, 3, 4});
  const auto a = solve_assignment(m, 100);
  EXPECT_EQ(a.matches, (std::vector<std::pair<int, int>>{{0, 1}, {1, 0}, {2, 2}}));
  EXPECT_TRUE(a.unmatched_rows.empty());
  EXPECT_TRUE(a.unmatched_cols.empty());
}

TEST(Assignment, MoreColumnsThanRows) {
  const auto m = matrix(2, 4,
                        {5, 1, 7, 8,  //
                         1, 2, 9, 9});
  const auto a = solve_assignment(m, 100);
  EXPECT_EQ(a.matches, (std::vector<std::pair<int, int>>{{0, 1}, {1, 0}}));
  EXPECT_EQ(a.unmatched_cols, (std::vector<int>{2, 3}));
}

TEST(Assignment, MoreRowsThanColumns) {
  const auto m = matrix(3, 2,
                        {4, 1,  //
                         1, 4,  //
                         0, 0});
  const auto a = solve_assignment(m, 100);
  // (0,1) + (2,0) costs 1 and beats (0,1) + (1,0) at 2: row 1 is left out.
  EXPECT_EQ(a.matches, (std::vector<std::pair<int, int>>{{0, 1}, {2, 0}}));
  EXPECT_EQ(a.unmatched_rows, (std::vector<int>{1}));
}

// Pairs above the gate are never matched, and do not pull other pairs off their optimum.
TEST(Assignment, GatedPairsStayUnmatched) {
  const auto m = matrix(2, 2,
                        {0.2, 0.9,  //
                         0.95, 0.9});
  const auto a = solve_assignment(m, 0.5);
  EXPECT_EQ(a.matches, (std::vector<std::pair<int, int>>{{0, 0}}));
  EXPECT_EQ(a.unmatched_rows, (std::vector<int>{1}));
  EXPECT_EQ(a.unmatched_cols, (std::vector<int>{1}));
}

// Two allowed pairs beat one cheaper pair: pricing gated pairs just above the gate (DeepSORT)
// would match only (0,0) at 0.1 and leave both others out.
TEST(Assignment, MorePairsBeforeLowerCost) {
  const auto m = matrix(2, 2,
                        {0.1, 0.45,  //
                         0.4, 9.0});
  const auto a = solve_assignment(m, 0.5);
  EXPECT_EQ(a.matches, (std::vector<std::pair<int, int>>{{0, 1}, {1, 0}}));
}

TEST(Assignment, EmptySides) {
  EXPECT_EQ(solve_assignment(CostMatrix(0, 3), 1).unmatched_cols.size(), 3u);
  EXPECT_EQ(solve_assignment(CostMatrix(2, 0), 1).unmatched_rows.size(), 2u);
}

// Against brute force over every permutation on random 5x5 matrices.
TEST(Assignment, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> cost(0, 10);
  for (int trial = 0; trial < 200; ++trial) {
    CostMatrix m(5, 5);
    for (double &c : m.cost) c = cost(rng);
    std::vector<int> perm(5);
    std::iota(perm.begin(), perm.end(), 0);
    double best = 1e9;
    do {
      double total = 0;
      for (int r = 0; r < 5; ++r) total += m.at(r, perm[r]);
      best = std::min(best, total);
    } while (std::next_permutation(perm.begin(), perm.end()));
    double found = 0;
    for (const auto &[r, c] : solve_assignment(m, 100).matches) found += m.at(r, c);
    EXPECT_NEAR(found, best, 1e-9) << "trial " << trial;
  }
}

}  // namespace
