#include <gtest/gtest.h>

#include "db/csv.hpp"

namespace rw::server {
namespace {

TEST(Csv, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("car"), "car");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
}

TEST(Csv, DefusesFormulasButKeepsNumbers) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_field("+1+2"), "'+1+2");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("-5"), "-5");
  EXPECT_EQ(csv_field("-12.5"), "-12.5");
  EXPECT_EQ(csv_field("-x"), "'-x");
}

TEST(Csv, LinesEndWithCrLf) {
  EXPECT_EQ(csv_line({"id", "zone, north", "72.5"}), "id,\"zone, north\",72.5\r\n");
  EXPECT_EQ(csv_line({}), "\r\n");
}

}  // namespace
}  // namespace rw::server
