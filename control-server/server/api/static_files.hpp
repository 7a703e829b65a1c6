#pragma once

// The dashboard's files from --web-root, for GET and HEAD of every path outside the API. The
// file is read on a worker thread (no disk wait on the main loop), must resolve to a regular
// file inside the root after symlinks, and is at most kMaxStaticFileBytes.

#include <cstddef>
#include <string>

#include <libsoup/soup.h>

namespace rw::server {

inline constexpr std::size_t kMaxStaticFileBytes = 32 * 1024 * 1024;

// web_root: a directory (resolved by the caller); empty: every such path is a 404.
void serve_static_file(const std::string &web_root, SoupServerMessage *msg, const char *path);

}  // namespace rw::server
