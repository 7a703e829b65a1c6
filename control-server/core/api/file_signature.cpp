#include "api/file_signature.hpp"

#include <array>
#include <cstdint>

namespace rw::server {
namespace {

constexpr std::size_t kTsPacket = 188;
constexpr std::size_t kM2tsPacket = 192;  // 4-byte timestamp + a TS packet
constexpr std::size_t kTsPacketsChecked = 3;

std::uint32_t be32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

std::optional<Sniffed> iso_bmff(std::string_view head) {
  if (head.size() < 12) return std::nullopt;
  constexpr std::array<std::string_view, 7> kFirstBoxes{"ftyp", "moov", "mdat", "free",
                                                        "skip", "wide", "pnot"};
  const std::string_view type = head.substr(4, 4);
  bool known = false;
  for (const std::string_view box : kFirstBoxes) known = known || type == box;
  const std::uint32_t size = be32(head, 0);
  // 1: a 64-bit size follows; otherwise at least the 8-byte header.
  if (!known || (size != 1 && size < 8)) return std::nullopt;
  if (type == "ftyp") {
    if (size != 1 && size < 16) return std::nullopt;  // size, type, major brand, minor version
    return Sniffed{Container::kIsoBmff, head.substr(8, 4) == "qt  " ? "mov" : "mp4"};
  }
  return Sniffed{Container::kIsoBmff, "mov"};  // QuickTime files may open with other boxes
}

std::optional<Sniffed> matroska(std::string_view head) {
  if (!head.starts_with("\x1A\x45\xDF\xA3")) return std::nullopt;
  // The DocType element (ID 42 82, a one-byte size 0x84) says "webm" for WebM files.
  const bool webm = head.find(std::string_view("\x42\x82\x84webm", 7)) != std::string_view::npos;
  return Sniffed{Container::kMatroska, webm ? "webm" : "mkv"};
}

std::optional<Sniffed> avi(std::string_view head) {
  if (head.size() < 12 || !head.starts_with("RIFF") || head.substr(8, 4) != "AVI ") {
    return std::nullopt;
  }
  return Sniffed{Container::kAvi, "avi"};
}

bool sync_bytes_every(std::string_view head, std::size_t first, std::size_t stride) {
  if (head.size() < first + stride * (kTsPacketsChecked - 1) + 1) return false;
  for (std::size_t i = 0; i < kTsPacketsChecked; ++i) {
    if (head[first + i * stride] != '\x47') return false;
  }
  return true;
}

std::optional<Sniffed> mpeg_ts(std::string_view head) {
  if (sync_bytes_every(head, 0, kTsPacket)) return Sniffed{Container::kMpegTs, "ts"};
  if (sync_bytes_every(head, 4, kM2tsPacket)) return Sniffed{Container::kMpegTs, "m2ts"};
  return std::nullopt;
}

std::optional<Sniffed> mpeg_ps(std::string_view head) {
  if (head.size() < 5 || !head.starts_with(std::string_view("\x00\x00\x01\xBA", 4))) {
    return std::nullopt;
  }
  // Marker bits after the start code: '01' for MPEG-2, '0010' for MPEG-1.
  const auto marker = static_cast<unsigned char>(head[4]);
  if ((marker & 0xC0) != 0x40 && (marker & 0xF0) != 0x20) return std::nullopt;
  return Sniffed{Container::kMpegPs, "mpg"};
}

}  // namespace

SniffResult sniff_container(std::string_view head, bool complete) {
  if (!complete && head.size() < kSignatureBytes) return {std::nullopt, true};
  for (const auto check : {iso_bmff, matroska, avi, mpeg_ts, mpeg_ps}) {
    if (auto match = check(head)) return {match, false};
  }
  return {std::nullopt, false};
}

}  // namespace rw::server
