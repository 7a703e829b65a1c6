#include <gtest/gtest.h>

#include "api/static_path.hpp"

namespace rw::server {
namespace {

TEST(StaticPath, PlainNamesAndIndexes) {
  EXPECT_EQ(static_relative_path("/"), "index.html");
  EXPECT_EQ(static_relative_path("/app.js"), "app.js");
  EXPECT_EQ(static_relative_path("/js/app.js"), "js/app.js");
  EXPECT_EQ(static_relative_path("/docs/"), "docs/index.html");
}

TEST(StaticPath, NothingOutsideTheRootOrHidden) {
  for (const char *path : {"/..", "/../etc/passwd", "/js/../../x", "/.env", "/js/.git/config",
                           "//etc/passwd", "/a//b", "relative", "", "/a\\..\\b"}) {
    EXPECT_FALSE(static_relative_path(path)) << path;
  }
  EXPECT_FALSE(static_relative_path(std::string_view("/a\0b", 4)));
}

TEST(StaticPath, ContentTypes) {
  EXPECT_STREQ(static_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(static_content_type("js/app.mjs"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(static_content_type("a.svg"), "image/svg+xml");
  EXPECT_STREQ(static_content_type("blob"), "application/octet-stream");
  EXPECT_STREQ(static_content_type("x.html.bak"), "application/octet-stream");
}

}  // namespace
}  // namespace rw::server
