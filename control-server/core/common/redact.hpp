#pragma once

// Request logs must not carry secrets: WebSocket clients may put their token in the query
// string (?token=...), which would otherwise land in every log line.

#include <string>
#include <string_view>

namespace rw::server {

// path_and_query with the value of every `token` and `access_token` query parameter replaced
// by "REDACTED" ("/ws?channel=a&token=abc" -> "/ws?channel=a&token=REDACTED"). Control
// characters anywhere are replaced by '?', so that a request cannot forge log lines.
std::string redact_for_log(std::string_view path_and_query);

// A URI with the password of its userinfo replaced by "***" ("rtsp://admin:secret@cam/live" ->
// "rtsp://admin:***@cam/live"), for API responses that show camera URIs.
std::string redact_uri_password(std::string_view uri);

}  // namespace rw::server
