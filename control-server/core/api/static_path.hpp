#pragma once

// Which file under --web-root a URL path names, if any. Static files are the dashboard's, so
// only plain relative names are served: no "..", no hidden files (a leading '.'), no NUL or
// backslash, no empty names; "/" and paths ending in '/' mean their index.html.

#include <optional>
#include <string>
#include <string_view>

namespace rw::server {

// The relative path ("index.html", "js/app.js") for a decoded URL path, or nullopt.
std::optional<std::string> static_relative_path(std::string_view url_path);

// The Content-Type for a file name by its extension; application/octet-stream when unknown.
const char *static_content_type(std::string_view file_name);

}  // namespace rw::server
