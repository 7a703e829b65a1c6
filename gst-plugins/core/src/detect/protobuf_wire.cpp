#include "protobuf_wire.hpp"

namespace rw::detect::proto {

std::uint64_t read_varint(std::string_view &rest) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest.empty()) throw Malformed("truncated varint");
    const auto byte = static_cast<std::uint8_t>(rest.front());
    rest.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw Malformed("varint longer than 10 bytes");
}

std::optional<Field> FieldReader::next() {
  if (rest_.empty()) return std::nullopt;
  const char *start = rest_.data();
  const std::uint64_t tag = read_varint(rest_);
  Field field;
  field.number = tag >> 3;
  field.wire_type = static_cast<int>(tag & 7);
  if (field.number == 0) throw Malformed("field number 0");
  switch (field.wire_type) {
    case kVarint:
      field.varint = read_varint(rest_);
      break;
    case kFixed64:
      take(8);
      break;
    case kLengthDelimited:
      field.bytes = take(read_varint(rest_));
      break;
    case kFixed32:
      take(4);
      break;
    default:
      throw Malformed("invalid wire type " + std::to_string(field.wire_type));
  }
  field.encoded = std::string_view(start, static_cast<std::size_t>(rest_.data() - start));
  return field;
}

std::string_view FieldReader::take(std::uint64_t size) {
  if (size > rest_.size()) {
    throw Malformed("a field of " + std::to_string(size) +
                    " bytes runs past the end of its message");
  }
  const std::string_view taken = rest_.substr(0, size);
  rest_.remove_prefix(size);
  return taken;
}

std::string_view bytes_field(std::string_view message, std::uint64_t number) {
  std::string_view found;
  for_each_field(message, [&](const Field &field) {
    if (is_bytes(field, number)) found = field.bytes;
  });
  return found;
}

void put_varint(std::string &out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_varint_field(std::string &out, std::uint64_t number, std::uint64_t value) {
  put_varint(out, number << 3 | kVarint);
  put_varint(out, value);
}

void put_bytes_field(std::string &out, std::uint64_t number, std::string_view bytes) {
  put_varint(out, number << 3 | kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

}  // namespace rw::detect::proto
