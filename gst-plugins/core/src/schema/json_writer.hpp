#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rw::schema {

// Appends compact JSON to a string. The caller keeps the structure balanced; the writer only
// places commas and escapes. Non-finite numbers become null, which JSON has no other word for.
class JsonWriter {
 public:
  JsonWriter &begin_object();
  JsonWriter &end_object();
  JsonWriter &begin_array();
  JsonWriter &end_array();
  JsonWriter &key(std::string_view name);
  JsonWriter &value(std::string_view text);
  JsonWriter &value(const char *text) { return value(std::string_view(text)); }
  JsonWriter &value(std::int64_t number);
  JsonWriter &value(std::uint64_t number);
  JsonWriter &value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter &value(double number);
  JsonWriter &value(bool flag);

  const std::string &str() const { return out_; }

 private:
  void separate();

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace rw::schema
