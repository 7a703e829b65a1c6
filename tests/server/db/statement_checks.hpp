#pragma once

// Checks every statement of core/db must pass: its placeholders are exactly $1..$n for n
// parameters, so that no parameter is unused and none is missing.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "db/statement.hpp"

namespace rw::server {

inline ::testing::AssertionResult placeholders_match(const PgStatement &statement) {
  std::set<std::size_t> used;
  for (std::size_t i = 0; i < statement.sql.size(); ++i) {
    if (statement.sql[i] != '$') continue;
    std::size_t n = 0, j = i + 1;
    while (j < statement.sql.size() && std::isdigit(static_cast<unsigned char>(statement.sql[j])))
      n = n * 10 + static_cast<std::size_t>(statement.sql[j++] - '0');
    if (j > i + 1) used.insert(n);
  }
  std::set<std::size_t> expected;
  for (std::size_t n = 1; n <= statement.params.size(); ++n) expected.insert(n);
  if (used == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << statement.params.size() << " parameters but " << used.size()
         << " distinct placeholders in: " << statement.sql;
}

}  // namespace rw::server
