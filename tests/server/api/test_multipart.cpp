#include <gtest/gtest.h>

#include <random>

#include "api/multipart.hpp"

namespace rw::server {
namespace {

constexpr const char *kBoundary = "----roadwatchBoundary7MA4YWxk";

struct Collected {
  std::string file;
  std::optional<PartInfo> part;
  int ends = 0;
};

MultipartFileSink collect(Collected &out) {
  return {[&out](const PartInfo &part) -> std::optional<ApiError> {
            out.part = part;
            return std::nullopt;
          },
          [&out](std::string_view bytes) -> std::optional<ApiError> {
            out.file.append(bytes);
            return std::nullopt;
          },
          [&out]() -> std::optional<ApiError> {
            ++out.ends;
            return std::nullopt;
          }};
}

// A body as browsers and curl send it.
std::string body_with(const std::string &file_bytes) {
  const std::string b = kBoundary;
  return "--" + b +
         "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nHighway Traffic\r\n"
         "--" +
         b +
         "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"../../etc/clip.mp4\"\r\n"
         "Content-Type: video/mp4\r\n\r\n" +
         file_bytes + "\r\n--" + b +
         "\r\nContent-Disposition: form-data; name=\"roi\"\r\n\r\n[[1,2],[3,4],[5,6]]\r\n--" + b +
         "--\r\n";
}

// File bytes that contain near-boundaries: CRLF, "--", and the boundary without its CRLF.
std::string tricky_file() {
  std::string bytes("\x00\x01\r\n--\r\n-", 9);
  bytes += std::string("--") + kBoundary;  // not a delimiter: no CRLF before it
  bytes += "\r\n--" + std::string(kBoundary).substr(0, 10) + "x\r\n\r";
  for (int i = 0; i < 3000; ++i) bytes += static_cast<char>(i * 7);
  return bytes;
}

void expect_parsed(const std::vector<std::string_view> &pieces, const std::string &file) {
  Collected out;
  MultipartParser parser(kBoundary, "video", collect(out));
  for (const std::string_view piece : pieces) {
    const auto error = parser.feed(piece);
    ASSERT_FALSE(error) << error->message;
  }
  const auto error = parser.finish();
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(out.file, file);
  EXPECT_EQ(out.ends, 1);
  ASSERT_TRUE(out.part);
  EXPECT_EQ(out.part->filename, "../../etc/clip.mp4");  // reported as sent, used for nothing
  EXPECT_EQ(out.part->content_type, "video/mp4");
  EXPECT_EQ(parser.fields().at("name"), "Highway Traffic");
  EXPECT_EQ(parser.fields().at("roi"), "[[1,2],[3,4],[5,6]]");
  EXPECT_EQ(parser.fields().size(), 2u);
  EXPECT_TRUE(parser.has_file());
}

TEST(Multipart, ParsesAWholeBody) {
  const std::string file = tricky_file();
  const std::string body = body_with(file);
  expect_parsed({body}, file);
}

TEST(Multipart, EverySplitIntoTwoPiecesGivesTheSameResult) {
  const std::string file = "\r\n--abc\r\n-" + std::string(kBoundary) + "\r\n";
  const std::string body = body_with(file);
  for (std::size_t at = 0; at <= body.size(); ++at) {
    SCOPED_TRACE(at);
    const std::string_view view = body;
    expect_parsed({view.substr(0, at), view.substr(at)}, file);
  }
}

TEST(Multipart, ByteByByteAndRandomPieces) {
  const std::string file = tricky_file();
  const std::string body = body_with(file);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < body.size(); ++i)
    bytes.push_back(std::string_view(body).substr(i, 1));
  expect_parsed(bytes, file);

  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string_view> pieces;
    std::size_t at = 0;
    while (at < body.size()) {
      const std::size_t size = std::uniform_int_distribution<std::size_t>(1, 97)(rng);
      pieces.push_back(std::string_view(body).substr(at, size));
      at += size;
    }
    expect_parsed(pieces, file);
  }
}

TEST(Multipart, PreambleEpilogueAndTransportPaddingAreIgnored) {
  const std::string b = kBoundary;
  const std::string body = "This is a preamble.\r\n--" + b +
                           "  \t\r\ncontent-disposition: FORM-DATA; NAME=fps\r\n\r\n25\r\n--" + b +
                           "--\r\nepilogue --" + b + "\r\n";
  Collected out;
  MultipartParser parser(kBoundary, "video", collect(out));
  ASSERT_FALSE(parser.feed(body));
  ASSERT_FALSE(parser.finish());
  EXPECT_EQ(parser.fields().at("fps"), "25");
  EXPECT_FALSE(parser.has_file());
  EXPECT_EQ(out.ends, 0);
}

TEST(Multipart, QuotedParameterValues) {
  const std::string b = kBoundary;
  const std::string body = "--" + b +
                           "\r\nContent-Disposition: form-data; name=\"video\"; "
                           "filename=\"a \\\"b\\\"; c.mp4\"\r\n\r\nX\r\n--" +
                           b + "--";
  Collected out;
  MultipartParser parser(kBoundary, "video", collect(out));
  ASSERT_FALSE(parser.feed(body));
  ASSERT_FALSE(parser.finish());
  ASSERT_TRUE(out.part);
  EXPECT_EQ(out.part->filename, "a \"b\"; c.mp4");
  EXPECT_EQ(out.file, "X");
}

ApiError parse_failure(const std::string &body, MultipartLimits limits = {}) {
  Collected out;
  MultipartParser parser(kBoundary, "video", collect(out), limits);
  auto error = parser.feed(body);
  if (!error) error = parser.finish();
  EXPECT_TRUE(error) << body;
  return error.value_or(ApiError{});
}

TEST(Multipart, MalformedBodiesAre400) {
  const std::string b = kBoundary;
  const std::string name = "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx";
  // No closing boundary, truncated inside a part, nothing at all.
  EXPECT_EQ(parse_failure("--" + b + name).status, 400);
  EXPECT_EQ(parse_failure("--" + b + name + "\r\n--" + b).status, 400);
  EXPECT_EQ(parse_failure("").status, 400);
  EXPECT_EQ(parse_failure("no boundary at all").status, 400);
  // Text after a boundary, a part without form-data or without a name, a bad quoted string.
  EXPECT_EQ(parse_failure("--" + b + "junk" + name + "\r\n--" + b + "--").status, 400);
  EXPECT_EQ(
      parse_failure("--" + b + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + b + "--").status,
      400);
  EXPECT_EQ(parse_failure("--" + b + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + b + "--")
                .status,
            400);
  EXPECT_EQ(
      parse_failure("--" + b + "\r\nContent-Disposition: form-data; name=\"open\r\n\r\nx\r\n--" +
                    b + "--")
          .status,
      400);
  EXPECT_EQ(parse_failure("--" + b + "\r\nno colon here\r\n\r\nx\r\n--" + b + "--").status, 400);
}

TEST(Multipart, LimitsAreEnforced) {
  const std::string b = kBoundary;
  MultipartLimits limits;
  limits.max_field_bytes = 8;
  limits.max_fields = 2;
  limits.max_part_header_bytes = 100;
  const auto field = [&](const std::string &name, const std::string &value) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
           "\r\n";
  };
  const ApiError large = parse_failure(field("roi", "123456789") + "--" + b + "--", limits);
  EXPECT_EQ(large.status, 413);
  EXPECT_NE(large.message.find("'roi'"), std::string::npos);
  EXPECT_EQ(
      parse_failure(field("a", "1") + field("b", "2") + field("c", "3") + "--" + b + "--", limits)
          .status,
      400);
  EXPECT_EQ(parse_failure(field("a", "1") + field("a", "2") + "--" + b + "--", limits).status, 400);
  EXPECT_EQ(
      parse_failure("--" + b + "\r\nX-Long: " + std::string(200, 'x') + "\r\n", limits).status,
      400);
  // Unterminated headers that keep growing fail once past the limit, not at the end.
  Collected out;
  MultipartParser parser(kBoundary, "video", collect(out), limits);
  ASSERT_FALSE(parser.feed("--" + b + "\r\nX: "));
  EXPECT_TRUE(parser.feed(std::string(150, 'y')));
}

TEST(Multipart, OnlyOneFilePart) {
  const std::string b = kBoundary;
  const std::string file = "--" + b +
                           "\r\nContent-Disposition: form-data; name=\"video\"; filename=a\r\n\r\n"
                           "data\r\n";
  const ApiError error = parse_failure(file + file + "--" + b + "--");
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.message.find("more than one"), std::string::npos);
}

TEST(Multipart, SinkErrorsStopTheParseAndStick) {
  const std::string body = body_with("not a video");
  MultipartFileSink sink;
  int data_calls = 0;
  sink.data = [&](std::string_view) -> std::optional<ApiError> {
    ++data_calls;
    return ApiError::unsupported_media("not a video container");
  };
  MultipartParser parser(kBoundary, "video", sink);
  const auto error = parser.feed(body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 415);
  EXPECT_EQ(data_calls, 1);
  EXPECT_EQ(parser.feed("more")->status, 415);
  EXPECT_EQ(parser.finish()->status, 415);
  EXPECT_EQ(data_calls, 1);
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(std::get<std::string>(multipart_boundary("multipart/form-data; boundary=abc")), "abc");
  EXPECT_EQ(std::get<std::string>(
                multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b\"")),
            "a b");
  EXPECT_EQ(std::get<ApiError>(multipart_boundary("application/json")).status, 415);
  EXPECT_EQ(std::get<ApiError>(multipart_boundary("multipart/mixed; boundary=abc")).status, 415);
  EXPECT_EQ(std::get<ApiError>(multipart_boundary("multipart/form-data")).status, 400);
  EXPECT_EQ(std::get<ApiError>(multipart_boundary("multipart/form-data; boundary=")).status, 400);
  EXPECT_EQ(std::get<ApiError>(
                multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')))
                .status,
            400);
  EXPECT_EQ(std::get<ApiError>(multipart_boundary("multipart/form-data; boundary=a\"b")).status,
            400);
}

}  // namespace
}  // namespace rw::server
