#pragma once

// The protobuf wire format, just enough to read and rewrite ONNX files without libprotobuf:
// every read is checked against the end of its message, and every field keeps its encoded
// bytes so a rewrite can copy what it does not change verbatim.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rw::detect::proto {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A wire-format violation; callers name the file around it.
class Malformed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Field {
  std::uint64_t number = 0;
  int wire_type = kVarint;
  std::uint64_t varint = 0;
  std::string_view bytes;    // payload of a length-delimited field
  std::string_view encoded;  // the whole field, tag included
};

// Reads one varint off the front of `rest`.
std::uint64_t read_varint(std::string_view &rest);

class FieldReader {
 public:
  explicit FieldReader(std::string_view message) : rest_(message) {}
  std::optional<Field> next();

 private:
  std::string_view take(std::uint64_t size);

  std::string_view rest_;
};

template <typename Visit>
void for_each_field(std::string_view message, Visit visit) {
  FieldReader reader(message);
  while (const auto field = reader.next()) visit(*field);
}

inline bool is_bytes(const Field &field, std::uint64_t number) {
  return field.number == number && field.wire_type == kLengthDelimited;
}

// The last occurrence of a string or sub-message field; empty when absent.
std::string_view bytes_field(std::string_view message, std::uint64_t number);

// Appends one field to a message being written.
void put_varint(std::string &out, std::uint64_t value);
void put_varint_field(std::string &out, std::uint64_t number, std::uint64_t value);
void put_bytes_field(std::string &out, std::uint64_t number, std::string_view bytes);

}  // namespace rw::detect::proto
