#include <gtest/gtest.h>

#include "api/router.hpp"

namespace rw::server {
namespace {

RouteMatch match(std::string_view method, std::string_view path) {
  auto result = match_route(method, path);
  EXPECT_TRUE(std::holds_alternative<RouteMatch>(result)) << method << " " << path;
  return std::holds_alternative<RouteMatch>(result) ? std::get<RouteMatch>(result) : RouteMatch{};
}

RouteError failure(std::string_view method, std::string_view path) {
  auto result = match_route(method, path);
  EXPECT_TRUE(std::holds_alternative<RouteError>(result)) << method << " " << path;
  return std::holds_alternative<RouteError>(result) ? std::get<RouteError>(result) : RouteError{};
}

TEST(Router, SeedPathsMatchWithTheirIds) {
  EXPECT_EQ(match("POST", "/api/videos/upload").route, Route::kVideoUpload);
  EXPECT_EQ(match("GET", "/api/videos").route, Route::kVideoList);
  const RouteMatch start = match("POST", "/api/videos/42/stream/start");
  EXPECT_EQ(start.route, Route::kVideoStart);
  EXPECT_EQ(start.id, 42);
  EXPECT_EQ(match("POST", "/api/videos/7/stream/stop").id, 7);
  EXPECT_EQ(match("GET", "/api/websocket/status").route, Route::kWebsocketStatus);
}

TEST(Router, OnePathServesSeveralMethods) {
  EXPECT_EQ(match("GET", "/api/cameras/3").route, Route::kCameraGet);
  EXPECT_EQ(match("PATCH", "/api/cameras/3").route, Route::kCameraPatch);
  EXPECT_EQ(match("DELETE", "/api/cameras/3").route, Route::kCameraDelete);
  EXPECT_EQ(match("POST", "/api/cameras").route, Route::kCameraCreate);
  EXPECT_EQ(match("GET", "/api/cameras").route, Route::kCameraList);
}

TEST(Router, HeadIsGetAndATrailingSlashIsIgnored) {
  EXPECT_EQ(match("HEAD", "/api/videos").route, Route::kVideoList);
  EXPECT_EQ(match("GET", "/api/videos/").route, Route::kVideoList);
  EXPECT_EQ(match("GET", "/healthz").route, Route::kHealthz);
}

TEST(Router, WrongMethodOnAKnownPathIs405WithAllow) {
  const RouteError error = failure("PUT", "/api/videos/5");
  EXPECT_EQ(error.error.status, 405);
  EXPECT_EQ(error.error.code, "method_not_allowed");
  EXPECT_EQ(error.allow, "GET, PATCH, DELETE, HEAD");

  const RouteError upload = failure("GET", "/api/videos/upload");
  EXPECT_EQ(upload.error.status, 405);
  EXPECT_EQ(upload.allow, "POST");
}

TEST(Router, UnknownPathsAre404) {
  for (const char *path : {"/api/video", "/api/videos/5/stream", "/api/videos/5/stream/pause", "/",
                           "/api", "/api/", "videos", ""}) {
    const RouteError error = failure("GET", path);
    EXPECT_EQ(error.error.status, 404) << path;
    EXPECT_TRUE(error.allow.empty()) << path;
  }
}

TEST(Router, IdsArePositiveDecimalIntegersInRange) {
  for (const char *id : {"0", "-1", "+1", "01", "1.5", "1e3", "abc", "2147483648", " 1", "%31"}) {
    const RouteError error = failure("GET", "/api/videos/" + std::string(id));
    EXPECT_EQ(error.error.status, 404) << id;
  }
  EXPECT_EQ(match("GET", "/api/videos/2147483647").id, 2147483647);
  // Sessions and violations are BIGSERIAL.
  EXPECT_EQ(match("GET", "/api/sessions/2147483648").id, 2147483648LL);
  EXPECT_EQ(match("GET", "/api/violations/9223372036854775807/snapshot").id, 9223372036854775807LL);
  EXPECT_EQ(failure("GET", "/api/sessions/9223372036854775808").error.status, 404);
}

TEST(Router, ReadOnlyRoutesAreTheGets) {
  EXPECT_TRUE(is_read_only(Route::kVideoList));
  EXPECT_TRUE(is_read_only(Route::kExportCsv));
  EXPECT_EQ(match("GET", "/api/analytics/speeds").route, Route::kSpeeds);
  EXPECT_TRUE(is_read_only(Route::kSpeeds));
  EXPECT_STREQ(route_name(Route::kSpeeds), "speeds");
  EXPECT_FALSE(is_read_only(Route::kVideoUpload));
  EXPECT_FALSE(is_read_only(Route::kCameraPatch));
  EXPECT_FALSE(is_read_only(Route::kVideoStop));
  EXPECT_STREQ(route_name(Route::kVideoUpload), "video_upload");
}

TEST(Router, ApiPathsAreSeparateFromStaticFiles) {
  EXPECT_TRUE(is_api_path("/api/videos"));
  EXPECT_TRUE(is_api_path("/api"));
  EXPECT_TRUE(is_api_path("/metrics"));
  EXPECT_FALSE(is_api_path("/"));
  EXPECT_FALSE(is_api_path("/index.html"));
  EXPECT_FALSE(is_api_path("/apiary.js"));
}

}  // namespace
}  // namespace rw::server
