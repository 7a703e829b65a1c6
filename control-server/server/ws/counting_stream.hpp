#pragma once

// The connection libsoup hands over after a WebSocket handshake, wrapped so that the hub knows
// how much of what it gave libsoup is still queued there (libsoup's queue is unbounded and has
// no buffered-amount API): reads go straight to the connection's input stream; writes go
// through to its output stream, and the bytes of data frames among them are counted
// (WireScanner: libsoup's own pings, pongs and close frames are not ours).

#include <cstdint>
#include <functional>

#include <gio/gio.h>

namespace rw::server {

// A new stream around `base` (which it references). on_written runs after every write that
// moved data-frame bytes, from inside libsoup's write: it must not send on the connection.
GIOStream *counting_io_stream_new(GIOStream *base, std::function<void()> on_written);

// Drops on_written: the stream may outlive its user (libsoup closes it asynchronously).
void counting_io_stream_forget(GIOStream *stream);

// Data-frame bytes written to the socket so far.
std::uint64_t counting_io_stream_data_bytes(GIOStream *stream);

}  // namespace rw::server
