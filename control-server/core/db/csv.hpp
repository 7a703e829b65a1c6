#pragma once

// CSV as RFC 4180 says (comma separated, CRLF, fields with a comma, quote or line break quoted,
// quotes doubled), and safe to open in a spreadsheet: a text field that starts like a formula
// (= + - @ tab CR) gets a leading apostrophe, unless it is a plain number.

#include <string>
#include <vector>

namespace rw::server {

std::string csv_field(const std::string &value);
std::string csv_line(const std::vector<std::string> &fields);  // ends with CRLF

}  // namespace rw::server
