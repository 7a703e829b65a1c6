#include "ws/stream_entries.hpp"

#include <charconv>

#include "rw/common/error.hpp"

namespace rw::server {
namespace {

using rw::control::Reply;

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

const Reply &element(const Reply &array, std::size_t i, Reply::Type type) {
  if (array.type != Reply::Type::kArray || i >= array.elements.size() ||
      array.elements[i].type != type) {
    throw rw::Error("unexpected XREAD reply shape");
  }
  return array.elements[i];
}

ReadEntry parse_entry(const Reply &reply) {
  ReadEntry entry;
  entry.id = element(reply, 0, Reply::Type::kString).text;
  if (reply.elements.size() > 1 && reply.elements[1].type == Reply::Type::kNil) return entry;
  const Reply &fields = element(reply, 1, Reply::Type::kArray);
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    entry.fields[fields.elements[i].text] = fields.elements[i + 1].text;
  }
  return entry;
}

const std::string &field(const ReadEntry &entry, const char *name) {
  const auto it = entry.fields.find(name);
  if (it == entry.fields.end()) {
    throw rw::Error("frames entry " + entry.id + " has no `" + name + "` field");
  }
  return it->second;
}

}  // namespace

std::vector<ReadStream> parse_xread_reply(const Reply &reply) {
  std::vector<ReadStream> streams;
  if (reply.type == Reply::Type::kNil) return streams;
  if (reply.type != Reply::Type::kArray) throw rw::Error("unexpected XREAD reply shape");
  for (const Reply &stream : reply.elements) {
    ReadStream &out = streams.emplace_back();
    out.key = element(stream, 0, Reply::Type::kString).text;
    for (const Reply &entry : element(stream, 1, Reply::Type::kArray).elements) {
      out.entries.push_back(parse_entry(entry));
    }
  }
  return streams;
}

std::optional<std::int64_t> entry_time_ms(std::string_view id) {
  const std::size_t dash = id.find('-');
  if (dash == std::string_view::npos || !parse_number<std::uint64_t>(id.substr(dash + 1))) {
    return std::nullopt;
  }
  return parse_number<std::int64_t>(id.substr(0, dash));
}

FrameInfo frame_info(const ReadEntry &entry, int source_id) {
  FrameInfo frame;
  frame.source_id = source_id;
  const std::string &number = field(entry, "frame_number");
  const auto frame_number = parse_number<std::uint64_t>(number);
  if (!frame_number) {
    throw rw::Error("frames entry " + entry.id + ": frame_number '" + number + "' is not a number");
  }
  frame.frame_number = *frame_number;
  if (const auto pts = entry.fields.find("pts_ns"); pts != entry.fields.end()) {
    frame.pts_ns = parse_number<std::int64_t>(pts->second);
    if (!frame.pts_ns) {
      throw rw::Error("frames entry " + entry.id + ": pts_ns '" + pts->second +
                      "' is not a number");
    }
  }
  frame.timestamp_ms = entry_time_ms(entry.id).value_or(0);
  field(entry, "jpeg");  // required: a frame without its picture is no frame
  return frame;
}

}  // namespace rw::server
