#include <gtest/gtest.h>

#include "common/redact.hpp"

namespace rw::server {
namespace {

TEST(Redact, TokensInTheQueryAreHidden) {
  EXPECT_EQ(redact_for_log("/ws/client/stream?token=s3cret"), "/ws/client/stream?token=REDACTED");
  EXPECT_EQ(redact_for_log("/a?x=1&token=s3cret&y=2"), "/a?x=1&token=REDACTED&y=2");
  EXPECT_EQ(redact_for_log("/a?access_token=abc"), "/a?access_token=REDACTED");
  EXPECT_EQ(redact_for_log("/a?%74oken=abc"), "/a?%74oken=REDACTED");
  EXPECT_EQ(redact_for_log("/a?tokens=abc&token"), "/a?tokens=abc&token");
  EXPECT_EQ(redact_for_log("/api/videos"), "/api/videos");
  EXPECT_EQ(redact_for_log("/a\nfake log line"), "/a?fake log line");
}

TEST(Redact, CameraPasswordsAreHidden) {
  EXPECT_EQ(redact_uri_password("rtsp://admin:secret@10.0.0.5:554/live"),
            "rtsp://admin:***@10.0.0.5:554/live");
  EXPECT_EQ(redact_uri_password("rtsp://admin@cam/live"), "rtsp://admin@cam/live");
  EXPECT_EQ(redact_uri_password("rtsp://cam/live?a=b:c@d"), "rtsp://cam/live?a=b:c@d");
  EXPECT_EQ(redact_uri_password("file:///clip.mp4"), "file:///clip.mp4");
}

}  // namespace
}  // namespace rw::server
