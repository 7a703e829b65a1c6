#pragma once

// Times in the history API: ISO-8601 (UTC "Z" or a numeric offset) or milliseconds since
// 1970, in; ISO-8601 UTC with milliseconds, out. Plain arithmetic: no locale, no time zone
// database, no dependence on the process TZ.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rw::server {

// "1730000000123" (unix ms), "2024-10-27T03:33:20Z", "2024-10-27T03:33:20.123+02:00",
// "2024-10-27T03:33" (no offset: UTC) or "2024-10-27" (midnight UTC). nullopt for anything else,
// including impossible dates (2024-02-30) and years outside 1970..9999.
std::optional<std::int64_t> parse_time_ms(std::string_view text);

// "2024-10-27T03:33:20.123Z".
std::string format_iso_ms(std::int64_t unix_ms);

}  // namespace rw::server
