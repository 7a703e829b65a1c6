#pragma once

// The Redis endpoint properties every Redis-backed element has (redissink, viewergate), so
// their names, ranges, defaults and the write-only password are the same everywhere.

#include <gst/gst.h>

namespace rw::gst {

inline constexpr const char *kDefaultRedisHost = "127.0.0.1";
inline constexpr guint kDefaultRedisPort = 6379;

// Installs `host`, `port` and `password` (write-only, so it never shows in a property dump),
// all changeable up to READY.
void install_redis_endpoint_properties(GObjectClass *gobject_class, guint host_id, guint port_id,
                                       guint password_id);

}  // namespace rw::gst
