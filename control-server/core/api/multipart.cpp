#include "api/multipart.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace rw::server {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxDelimiterLineBytes = 256;  // transport padding after a delimiter

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

ApiError malformed(const std::string &why) {
  return ApiError::bad_request("malformed multipart body: " + why);
}

// "value; key=value; key="quoted \" value"" -> the leading value and the parameters with
// lower-case keys. nullopt when a quoted string does not end.
struct HeaderValue {
  std::string value;
  std::map<std::string, std::string> parameters;
};

std::optional<HeaderValue> parse_header_value(std::string_view text) {
  HeaderValue out;
  const std::size_t semicolon = text.find(';');
  out.value = lower(trim(text.substr(0, semicolon)));
  if (semicolon == std::string_view::npos) return out;
  text.remove_prefix(semicolon + 1);
  while (true) {
    text = trim(text);
    if (text.empty()) return out;
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string key = lower(trim(text.substr(0, equals)));
    text.remove_prefix(equals + 1);
    text = trim(text);
    std::string value;
    if (!text.empty() && text.front() == '"') {
      std::size_t i = 1;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      if (i >= text.size()) return std::nullopt;
      text.remove_prefix(i + 1);
      text = trim(text);
      if (!text.empty() && text.front() != ';') return std::nullopt;
    } else {
      const std::size_t end = text.find(';');
      value = std::string(trim(text.substr(0, end)));
      text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    }
    out.parameters[key] = value;
    if (!text.empty()) text.remove_prefix(1);  // ';'
  }
}

bool is_boundary_char(char c) {
  // RFC 2046 bchars
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

}  // namespace

MultipartParser::MultipartParser(std::string boundary, std::string file_field,
                                 MultipartFileSink sink, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary),
      file_field_(std::move(file_field)),
      sink_(std::move(sink)),
      limits_(limits),
      // A delimiter is CRLF "--" boundary, but the first one may open the body: a virtual CRLF
      // in front lets one search find both.
      pending_(kCrlf) {}

std::optional<ApiError> MultipartParser::fail(ApiError error) {
  error_ = std::move(error);
  pending_.clear();
  return error_;
}

std::optional<ApiError> MultipartParser::feed(std::string_view bytes) {
  if (error_) return error_;
  pending_.append(bytes);
  bool progress = true;
  while (progress && !error_) {
    progress = false;
    if (auto error = step(progress)) return fail(std::move(*error));
  }
  return error_;
}

std::optional<ApiError> MultipartParser::finish() {
  if (error_) return error_;
  if (state_ != State::kEpilogue) {
    return fail(malformed("the body ended before the closing boundary"));
  }
  return std::nullopt;
}

// One state transition, or a consumption of what can be consumed; progress says whether
// another step may do more with the bytes pending.
std::optional<ApiError> MultipartParser::step(bool &progress) {
  switch (state_) {
    case State::kPreamble: {
      const std::size_t at = pending_.find(delimiter_);
      if (at == std::string::npos) {
        // Keep what could be the start of a delimiter; the rest is preamble, ignored.
        const std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
        pending_.erase(0, pending_.size() - keep);
        return std::nullopt;
      }
      pending_.erase(0, at + delimiter_.size());
      state_ = State::kAfterDelimiter;
      progress = true;
      return std::nullopt;
    }
    case State::kAfterDelimiter: {
      if (pending_.size() < 2) return std::nullopt;
      if (pending_.starts_with("--")) {
        pending_.clear();
        state_ = State::kEpilogue;
        return std::nullopt;
      }
      const std::size_t eol = pending_.find(kCrlf);
      if (eol == std::string::npos) {
        if (pending_.size() > kMaxDelimiterLineBytes) return malformed("bad delimiter line");
        return std::nullopt;
      }
      const std::string_view padding = std::string_view(pending_).substr(0, eol);
      if (!trim(padding).empty()) return malformed("text after a boundary");
      pending_.erase(0, eol + kCrlf.size());
      state_ = State::kHeaders;
      progress = true;
      return std::nullopt;
    }
    case State::kHeaders: {
      // The header block ends with an empty line; a part without headers starts with it.
      std::size_t block_end = 0;
      if (!pending_.starts_with(kCrlf)) {
        const std::size_t at = pending_.find("\r\n\r\n");
        if (at == std::string::npos) {
          if (pending_.size() > limits_.max_part_header_bytes) {
            return malformed("part headers longer than " +
                             std::to_string(limits_.max_part_header_bytes) + " bytes");
          }
          return std::nullopt;
        }
        block_end = at + kCrlf.size();
      }
      if (block_end > limits_.max_part_header_bytes) {
        return malformed("part headers longer than " +
                         std::to_string(limits_.max_part_header_bytes) + " bytes");
      }
      if (auto error = parse_headers(std::string_view(pending_).substr(0, block_end))) {
        return error;
      }
      pending_.erase(0, block_end + kCrlf.size());
      state_ = State::kBody;
      progress = true;
      return std::nullopt;
    }
    case State::kBody: {
      const std::size_t at = pending_.find(delimiter_);
      if (at == std::string::npos) {
        // Everything but a possible delimiter prefix at the end is part data.
        const std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
        const std::size_t ready = pending_.size() - keep;
        if (ready == 0) return std::nullopt;
        if (auto error = body_data(std::string_view(pending_).substr(0, ready))) return error;
        pending_.erase(0, ready);
        return std::nullopt;
      }
      if (auto error = body_data(std::string_view(pending_).substr(0, at))) return error;
      pending_.erase(0, at + delimiter_.size());
      if (auto error = end_part()) return error;
      state_ = State::kAfterDelimiter;
      progress = true;
      return std::nullopt;
    }
    case State::kEpilogue:
      pending_.clear();  // ignored, like the preamble
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ApiError> MultipartParser::parse_headers(std::string_view block) {
  part_ = PartInfo{};
  std::optional<HeaderValue> disposition;
  while (!block.empty()) {
    const std::size_t eol = block.find(kCrlf);
    const std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + kCrlf.size());
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return malformed("bad part header line");
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      disposition = parse_header_value(value);
      if (!disposition) return malformed("bad Content-Disposition");
    } else if (name == "content-type") {
      part_.content_type = std::string(value);
    }
  }
  if (!disposition || disposition->value != "form-data") {
    return malformed("a part without 'Content-Disposition: form-data'");
  }
  const auto name = disposition->parameters.find("name");
  if (name == disposition->parameters.end() || name->second.empty()) {
    return malformed("a part without a name");
  }
  if (name->second.size() > limits_.max_name_bytes) return malformed("a part name is too long");
  part_.name = name->second;
  if (const auto file = disposition->parameters.find("filename");
      file != disposition->parameters.end()) {
    if (file->second.size() > limits_.max_name_bytes) return malformed("a file name is too long");
    part_.filename = file->second;
  }

  if (part_.name == file_field_) {
    if (file_seen_) return ApiError::bad_request("more than one '" + file_field_ + "' part");
    file_seen_ = true;
    in_file_ = true;
    return sink_.begin ? sink_.begin(part_) : std::nullopt;
  }
  in_file_ = false;
  if (fields_.contains(part_.name)) {
    return ApiError::bad_request("field '" + part_.name + "' is sent twice");
  }
  if (fields_.size() >= limits_.max_fields) {
    return ApiError::bad_request("more than " + std::to_string(limits_.max_fields) + " fields");
  }
  fields_.emplace(part_.name, std::string());
  return std::nullopt;
}

std::optional<ApiError> MultipartParser::body_data(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  if (in_file_) return sink_.data ? sink_.data(bytes) : std::nullopt;
  std::string &value = fields_[part_.name];
  if (value.size() + bytes.size() > limits_.max_field_bytes) {
    return ApiError::too_large("field '" + part_.name + "' is larger than " +
                               std::to_string(limits_.max_field_bytes) + " bytes");
  }
  value.append(bytes);
  return std::nullopt;
}

std::optional<ApiError> MultipartParser::end_part() {
  if (!in_file_) return std::nullopt;
  in_file_ = false;
  return sink_.end ? sink_.end() : std::nullopt;
}

std::variant<std::string, ApiError> multipart_boundary(std::string_view content_type) {
  const auto parsed = parse_header_value(content_type);
  if (!parsed || parsed->value != "multipart/form-data") {
    return ApiError::unsupported_media("expected Content-Type multipart/form-data, not '" +
                                       std::string(content_type) + "'");
  }
  const auto boundary = parsed->parameters.find("boundary");
  if (boundary == parsed->parameters.end()) {
    return ApiError::bad_request("multipart/form-data without a boundary parameter");
  }
  const std::string &value = boundary->second;
  if (value.empty() || value.size() > 70 || value.back() == ' ' ||
      !std::all_of(value.begin(), value.end(), is_boundary_char)) {
    return ApiError::bad_request("invalid multipart boundary");
  }
  return value;
}

}  // namespace rw::server
