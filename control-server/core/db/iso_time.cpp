#include "db/iso_time.hpp"

#include <cstdio>

namespace rw::server {
namespace {

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly `digits` decimal digits at pos.
std::optional<int> digits_at(std::string_view text, std::size_t &pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool take(std::string_view text, std::size_t &pos, char expected) {
  if (pos >= text.size() || text[pos] != expected) return false;
  ++pos;
  return true;
}

std::optional<std::int64_t> parse_unix_ms(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;  // up to year ~33000
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "Z", "+02:00", "+0200", "-05" or nothing (UTC): the offset in minutes east of UTC.
std::optional<int> parse_offset_minutes(std::string_view text, std::size_t &pos) {
  if (pos == text.size()) return 0;
  if (take(text, pos, 'Z') || take(text, pos, 'z')) {
    if (pos != text.size()) return std::nullopt;
    return 0;
  }
  const char sign = text[pos];
  if (sign != '+' && sign != '-') return std::nullopt;
  ++pos;
  const auto hours = digits_at(text, pos, 2);
  if (!hours || *hours > 23) return std::nullopt;
  int minutes = 0;
  if (pos < text.size()) {
    take(text, pos, ':');
    const auto mm = digits_at(text, pos, 2);
    if (!mm || *mm > 59) return std::nullopt;
    minutes = *mm;
  }
  if (pos != text.size()) return std::nullopt;
  const int offset = *hours * 60 + minutes;
  return sign == '+' ? offset : -offset;
}

}  // namespace

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  if (auto ms = parse_unix_ms(text)) return ms;
  std::size_t pos = 0;
  const auto year = digits_at(text, pos, 4);
  if (!year || !take(text, pos, '-')) return std::nullopt;
  const auto month = digits_at(text, pos, 2);
  if (!month || !take(text, pos, '-')) return std::nullopt;
  const auto day = digits_at(text, pos, 2);
  if (!day || *year < 1970 || *month < 1 || *month > 12 || *day < 1 ||
      *day > days_in_month(*year, *month))
    return std::nullopt;
  std::int64_t ms = days_from_civil(*year, *month, *day) * kMsPerDay;
  if (pos == text.size()) return ms;
  if (!take(text, pos, 'T') && !take(text, pos, 't') && !take(text, pos, ' ')) return std::nullopt;
  const auto hour = digits_at(text, pos, 2);
  if (!hour || *hour > 23 || !take(text, pos, ':')) return std::nullopt;
  const auto minute = digits_at(text, pos, 2);
  if (!minute || *minute > 59) return std::nullopt;
  ms += (*hour * 60 + *minute) * kMsPerMinute;
  if (take(text, pos, ':')) {
    const auto second = digits_at(text, pos, 2);
    if (!second || *second > 59) return std::nullopt;  // no leap seconds
    ms += *second * 1000;
    if (take(text, pos, '.') || take(text, pos, ',')) {
      // Any number of fraction digits; milliseconds kept, the rest truncated.
      std::int64_t scale = 100;
      const std::size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        ms += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start || pos - start > 9) return std::nullopt;
    }
  }
  const auto offset = parse_offset_minutes(text, pos);
  if (!offset) return std::nullopt;
  ms -= std::int64_t{*offset} * kMsPerMinute;
  if (ms < 0) return std::nullopt;
  return ms;
}

std::string format_iso_ms(std::int64_t unix_ms) {
  // civil_from_days (H. Hinnant).
  const std::int64_t days =
      unix_ms >= 0 ? unix_ms / kMsPerDay : (unix_ms - kMsPerDay + 1) / kMsPerDay;
  const std::int64_t ms_of_day = unix_ms - days * kMsPerDay;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char out[96];  // room for any int64 the format could print
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(ms_of_day / 3'600'000),
                static_cast<long long>(ms_of_day / 60'000 % 60),
                static_cast<long long>(ms_of_day / 1000 % 60),
                static_cast<long long>(ms_of_day % 1000));
  return out;
}

}  // namespace rw::server
