#include <gtest/gtest.h>

#include "db/iso_time.hpp"

namespace rw::server {
namespace {

TEST(IsoTime, ParsesIsoAndUnixMilliseconds) {
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time_ms("2024-10-27T03:33:20Z"), 1730000000000);
  EXPECT_EQ(parse_time_ms("2024-10-27T03:33:20.123Z"), 1730000000123);
  EXPECT_EQ(parse_time_ms("2024-10-27T03:33:20.5Z"), 1730000000500);
  EXPECT_EQ(parse_time_ms("2024-10-27T03:33:20.123456789Z"), 1730000000123);
  EXPECT_EQ(parse_time_ms("2024-10-27T05:33:20.123+02:00"), 1730000000123);
  EXPECT_EQ(parse_time_ms("2024-10-26T22:33:20-0500"), 1730000000000);
  EXPECT_EQ(parse_time_ms("2024-10-27T03:33:20"), 1730000000000);  // no offset: UTC
  EXPECT_EQ(parse_time_ms("2024-10-27 03:33"), 1729999980000);
  EXPECT_EQ(parse_time_ms("2000-02-29"), 951782400000);
  EXPECT_EQ(parse_time_ms("1730000000123"), 1730000000123);
  EXPECT_EQ(parse_time_ms("0"), 0);
}

TEST(IsoTime, RejectsWhatIsNotATime) {
  for (const char *bad :
       {"", "abc", "-5", "2023-02-29", "2024-13-01", "2024-00-10", "2024-10-32", "1969-12-31",
        "2024-10-27T24:00:00Z", "2024-10-27T03:60Z", "2024-10-27T03:33:61Z", "2024-10-27T03:33:20Q",
        "2024-10-27T03:33:20Zjunk", "2024-10-27T03:33:20+25:00", "2024-10-27T", "2024-1-27", "1e12",
        "2024-10-27T03:33:20.Z", "1970-01-01T00:00:00+01:00"}) {
    EXPECT_EQ(parse_time_ms(bad), std::nullopt) << bad;
  }
}

TEST(IsoTime, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso_ms(1730000000123), "2024-10-27T03:33:20.123Z");
  EXPECT_EQ(format_iso_ms(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_iso_ms(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(IsoTime, FormatThenParseIsTheSameInstant) {
  for (std::int64_t ms = 0; ms < 253402300799999; ms = ms * 3 + 7'777'777) {
    EXPECT_EQ(parse_time_ms(format_iso_ms(ms)), ms) << format_iso_ms(ms);
  }
}

}  // namespace
}  // namespace rw::server
