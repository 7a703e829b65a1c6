#pragma once

// A streaming multipart/form-data parser (RFC 7578 over RFC 2046). The body is fed in pieces as
// it arrives, with boundaries split anywhere across pieces; the one file part (the upload's
// "video") goes to callbacks as it is parsed, never held whole, and every other part is a small
// field kept in memory, each capped. libsoup's own parser needs the whole body in memory and has
// had out-of-bounds bugs (CVE-2025-32914), so uploads do not use it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/api_error.hpp"

namespace rw::server {

struct MultipartLimits {
  std::size_t max_field_bytes = 64 * 1024;  // per field part
  std::size_t max_fields = 32;
  std::size_t max_part_header_bytes = 8 * 1024;
  std::size_t max_name_bytes = 256;  // field and file names
};

// What a part's headers say about it.
struct PartInfo {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // the client's file name: for display only, never a path
  std::string content_type;             // as sent ("" when absent); never trusted
};

// Callbacks for the file part. Each may return an error to stop the parse with it (a 415 from a
// signature check, a 413 from a size limit, a 500 from a failed write).
struct MultipartFileSink {
  std::function<std::optional<ApiError>(const PartInfo &part)> begin;
  std::function<std::optional<ApiError>(std::string_view bytes)> data;
  std::function<std::optional<ApiError>()> end;
};

class MultipartParser {
 public:
  // boundary: from multipart_boundary(); file_field: the part streamed to sink.
  MultipartParser(std::string boundary, std::string file_field, MultipartFileSink sink,
                  MultipartLimits limits = {});

  // The next bytes of the body. The first error is returned by this and every later call.
  std::optional<ApiError> feed(std::string_view bytes);

  // The body has ended; an error unless the closing boundary was seen.
  std::optional<ApiError> finish();

  // The fields (every part but the file), by name; complete once finish() succeeded.
  const std::map<std::string, std::string> &fields() const { return fields_; }
  bool has_file() const { return file_seen_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue };

  std::optional<ApiError> step(bool &progress);
  std::optional<ApiError> parse_headers(std::string_view block);
  std::optional<ApiError> body_data(std::string_view bytes);
  std::optional<ApiError> end_part();
  std::optional<ApiError> fail(ApiError error);

  const std::string delimiter_;  // "\r\n--" + boundary
  const std::string file_field_;
  const MultipartFileSink sink_;
  const MultipartLimits limits_;

  State state_ = State::kPreamble;
  std::string pending_;  // bytes received but not yet consumed
  PartInfo part_;
  bool in_file_ = false;
  bool file_seen_ = false;
  std::map<std::string, std::string> fields_;
  std::optional<ApiError> error_;
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type (quoted or not). Another
// media type is a 415; a missing or invalid boundary (RFC 2046: 1 to 70 characters) a 400.
std::variant<std::string, ApiError> multipart_boundary(std::string_view content_type);

}  // namespace rw::server
