// XREAD replies and frames entries, as Redis returns them.

#include "ws/stream_entries.hpp"

#include <gtest/gtest.h>

#include "rw/common/error.hpp"

namespace rw::server {
namespace {

using rw::control::Reply;

Reply str(std::string text) {
  return {Reply::Type::kString, 0, std::move(text), {}};
}
Reply array(std::vector<Reply> elements) {
  return {Reply::Type::kArray, 0, "", std::move(elements)};
}

TEST(ParseXread, StreamsAndEntriesInOrder) {
  const std::string jpeg("\xFF\xD8\x00\xFF\xD9", 5);
  const Reply reply = array({
      array({str("roadwatch:3:frames"),
             array({array({str("1712345678901-0"),
                           array({str("frame_number"), str("42"), str("pts_ns"), str("7"),
                                  str("jpeg"), str(jpeg)})}),
                    array({str("1712345678902-1"),
                           array({str("frame_number"), str("43"), str("jpeg"), str("")})})})}),
      array({str("roadwatch:3:analytics"),
             array({array({str("1712345678903-0"), array({str("json"), str("{}")})})})}),
  });
  const std::vector<ReadStream> streams = parse_xread_reply(reply);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].key, "roadwatch:3:frames");
  ASSERT_EQ(streams[0].entries.size(), 2u);
  EXPECT_EQ(streams[0].entries[0].id, "1712345678901-0");
  EXPECT_EQ(streams[0].entries[0].fields.at("jpeg"), jpeg);
  EXPECT_EQ(streams[1].entries[0].fields.at("json"), "{}");

  const FrameInfo first = frame_info(streams[0].entries[0], 3);
  EXPECT_EQ(first.source_id, 3);
  EXPECT_EQ(first.frame_number, 42u);
  EXPECT_EQ(first.pts_ns, 7);
  EXPECT_EQ(first.timestamp_ms, 1712345678901);
  EXPECT_FALSE(frame_info(streams[0].entries[1], 3).pts_ns);
}

TEST(ParseXread, NilIsNothingAndOtherShapesThrow) {
  EXPECT_TRUE(parse_xread_reply(Reply{}).empty());
  EXPECT_THROW(parse_xread_reply(str("OK")), rw::Error);
  EXPECT_THROW(parse_xread_reply(array({str("key")})), rw::Error);
  EXPECT_THROW(parse_xread_reply(array({array({str("k"), str("not entries")})})), rw::Error);
}

TEST(EntryTime, MillisecondsOfTheId) {
  EXPECT_EQ(entry_time_ms("1712345678901-0"), 1712345678901);
  EXPECT_EQ(entry_time_ms("0-1"), 0);
  EXPECT_FALSE(entry_time_ms("1712345678901"));
  EXPECT_FALSE(entry_time_ms("abc-0"));
  EXPECT_FALSE(entry_time_ms("1-x"));
  EXPECT_FALSE(entry_time_ms("-0"));
}

TEST(FrameInfo, MissingOrBadFieldsThrowNamingThem) {
  const auto error_of = [](ReadEntry entry) {
    try {
      frame_info(entry, 1);
    } catch (const rw::Error &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({"1-0", {{"jpeg", "x"}}}).find("frame_number"), std::string::npos);
  EXPECT_NE(error_of({"1-0", {{"frame_number", "4x"}, {"jpeg", "x"}}}).find("not a number"),
            std::string::npos);
  EXPECT_NE(
      error_of({"1-0", {{"frame_number", "4"}, {"pts_ns", ""}, {"jpeg", "x"}}}).find("pts_ns"),
      std::string::npos);
  EXPECT_NE(error_of({"1-0", {{"frame_number", "4"}}}).find("jpeg"), std::string::npos);
}

}  // namespace
}  // namespace rw::server
