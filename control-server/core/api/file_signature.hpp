#pragma once

// What an uploaded file is, judged by its first bytes, never by its name or declared type. Only
// video containers GStreamer's decodebin handles are accepted; anything else is a 415.

#include <cstddef>
#include <optional>
#include <string_view>

namespace rw::server {

enum class Container {
  kIsoBmff,   // MP4 / MOV / 3GP: an ISO base media box (ftyp, moov, mdat, ...) at offset 0
  kMatroska,  // Matroska / WebM: EBML header 1A 45 DF A3
  kAvi,       // "RIFF" size "AVI "
  kMpegTs,    // sync byte 0x47 every 188 bytes (or every 192 for M2TS)
  kMpegPs,    // MPEG program stream pack header 00 00 01 BA
};

// How many leading bytes sniff() wants to be sure (three transport-stream packets, and a
// Matroska DocType).
constexpr std::size_t kSignatureBytes = 1024;

struct Sniffed {
  Container container;
  const char *extension;  // "mp4", "mov", "mkv", "webm", "avi", "ts", "m2ts", "mpg"
};

struct SniffResult {
  std::optional<Sniffed> match;  // nullopt: not a video container we accept (or undecided)
  bool need_more = false;        // head is shorter than kSignatureBytes and could still match
};

// head: the first bytes of the file; complete: head is the whole file. A file of fewer than
// kSignatureBytes bytes is judged on what it has once complete is true.
SniffResult sniff_container(std::string_view head, bool complete);

}  // namespace rw::server
