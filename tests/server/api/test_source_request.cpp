#include <gtest/gtest.h>

#include "api/source_request.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;

// The highway-640x360 calibration points (pipelines/calibration), enough for a homography.
Json calibration() {
  return Json::parse(R"({
    "image_points": [[357.7, 290.7], [370.3, 277.7], [381.7, 266.1], [395.2, 254.6],
                     [244.3, 282.1], [471.1, 299.3], [314.8, 236.3], [500.9, 250.5]],
    "world_points": [[0.0, 0.0], [0.0, 9.0], [0.0, 18.0], [0.0, 27.0],
                     [-3.65, 0.0], [3.65, 0.0], [-3.65, 36.0], [3.65, 36.0]]})");
}

template <typename T>
ApiError error_of(const Checked<T> &checked) {
  EXPECT_TRUE(std::holds_alternative<ApiError>(checked));
  return std::holds_alternative<ApiError>(checked) ? std::get<ApiError>(checked) : ApiError{};
}

template <typename T>
T value_of(const Checked<T> &checked) {
  if (const auto *error = std::get_if<ApiError>(&checked)) {
    ADD_FAILURE() << error->message;
    return T{};
  }
  return std::get<T>(checked);
}

TEST(SourceFields, RoiTakesTheSeedShapeOrABarePolygon) {
  const Json square = Json::parse("[[100, 200], [300, 200], [300, 400], [100, 400]]");
  const Json stored = {{"roi_polygon", square}};
  EXPECT_EQ(value_of(check_roi(square)), stored);
  EXPECT_EQ(value_of(check_roi(stored)), stored);
  EXPECT_TRUE(value_of(check_roi(nullptr)).is_null());
}

TEST(SourceFields, BadRoisNameTheProblem) {
  EXPECT_EQ(error_of(check_roi(Json::parse("[[0, 0], [1, 1]]"))).status, 400);
  EXPECT_NE(error_of(check_roi(Json::parse("[[0, 0], [1, 1]]"))).message.find("invalid roi"),
            std::string::npos);
  EXPECT_EQ(error_of(check_roi(Json::parse("[[0, 0], [1, 1], [\"a\", 2]]"))).status, 400);
  EXPECT_EQ(error_of(check_roi(Json::parse(R"({"polygon": [[0,0],[1,0],[1,1]]})"))).status, 400);
  EXPECT_EQ(
      error_of(check_roi(Json::parse(R"({"roi_polygon": [[0,0],[1,0],[1,1]], "x": 1})"))).status,
      400);
  EXPECT_EQ(error_of(check_roi("[[0,0],[1,0],[1,1]]")).status, 400);  // a string, not JSON
}

TEST(SourceFields, Lines) {
  const Json lines = Json::parse(R"([{"name": "count", "points": [[181, 144], [506, 290]]}])");
  EXPECT_EQ(value_of(check_lines(lines)), lines);
  EXPECT_EQ(value_of(check_lines(Json::array())), Json::array());
  EXPECT_EQ(
      error_of(check_lines(Json::parse(R"([{"name": "a", "points": [[1, 1], [1, 1]]}])"))).status,
      400);  // not two distinct points
  EXPECT_EQ(
      error_of(
          check_lines(Json::parse(
              R"([{"name": "a", "points": [[0,0],[1,1]]}, {"name": "a", "points": [[2,2],[3,3]]}])")))
          .status,
      400);  // duplicate names
  const ApiError reserved =
      error_of(check_lines(Json::parse(R"([{"name": "roi", "points": [[0,0],[1,1]]}])")));
  EXPECT_NE(reserved.message.find("roi"), std::string::npos);
  EXPECT_EQ(error_of(check_lines(Json::parse(R"([{"name": "a", "pts": [[0,0],[1,1]]}])"))).status,
            400);
}

TEST(SourceFields, CalibrationIsCheckedWithHomographyspeedsParser) {
  EXPECT_EQ(value_of(check_calibration(calibration())), calibration());
  Json three = calibration();
  three["image_points"] = Json::parse("[[0,0],[1,0],[0,1]]");
  three["world_points"] = Json::parse("[[0,0],[1,0],[0,1]]");
  EXPECT_EQ(error_of(check_calibration(three)).status, 400);
  Json typo = calibration();
  typo["imagepoints"] = typo["image_points"];
  EXPECT_NE(error_of(check_calibration(typo)).message.find("imagepoints"), std::string::npos);
  EXPECT_EQ(error_of(check_calibration(Json::array())).status, 400);
}

TEST(SourceFields, NumbersAndNames) {
  EXPECT_EQ(value_of(check_speed_limit(60)), Json(60.0));
  EXPECT_EQ(value_of(check_speed_limit(0)), Json(0.0));
  EXPECT_TRUE(value_of(check_speed_limit(nullptr)).is_null());
  for (const Json &bad : {Json(-1), Json(300.5), Json("60"), Json(true)}) {
    EXPECT_EQ(error_of(check_speed_limit(bad)).status, 400) << bad.dump();
  }
  EXPECT_DOUBLE_EQ(value_of(check_fps(29.97)), 29.97);
  EXPECT_EQ(error_of(check_fps(0)).status, 400);
  EXPECT_EQ(error_of(check_fps(1001)).status, 400);
  EXPECT_EQ(value_of(check_name("Highway Traffic")), "Highway Traffic");
  EXPECT_EQ(value_of(check_name("Straße ✓")), "Straße ✓");
  EXPECT_EQ(error_of(check_name("")).status, 400);
  EXPECT_EQ(error_of(check_name(std::string(256, 'a'))).status, 400);
  EXPECT_EQ(error_of(check_name("a\nb")).status, 400);
  EXPECT_EQ(error_of(check_name(std::string("\xC3\x28", 2))).status, 400);
  EXPECT_EQ(error_of(check_name(3)).status, 400);
}

TEST(SourceFields, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xE2\x9C\x93 \xF0\x9F\x9A\x97"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x9C"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(SourceFields, CameraUris) {
  for (const char *uri :
       {"rtsp://10.0.0.5:554/stream1", "rtsps://user:pw@cam.example/live", "http://cam/mjpeg",
        "https://cam/stream.m3u8", "file:///videos/a.mp4", "udp://0.0.0.0:5000",
        "srt://host:9000?mode=caller", "rtmp://server/app/key", "v4l2:///dev/video0"}) {
    EXPECT_EQ(value_of(check_camera_uri(uri)), uri);
  }
  for (const char *uri : {"", "testsrc:", "rtsp:/cam", "rtsp://", "rtsp://:554/x", "rtsp://user@/x",
                          "http:cam", "1http://cam", "://cam", "cam/stream", "rtsp://cam/a b",
                          "rtsp://cam/\n", "file:relative.mp4", "file://host/x.mp4"}) {
    EXPECT_EQ(error_of(check_camera_uri(uri)).status, 400) << uri;
  }
  EXPECT_EQ(error_of(check_camera_uri(std::string("rtsp://cam/") + std::string(2040, 'a'))).status,
            400);
}

TEST(SourceRequest, PatchSetsAndClears) {
  const SourceSettings patch = value_of(parse_source_patch(
      Json::parse(R"({"roi": [[0,0],[10,0],[10,10]], "speed_limit": 50, "calibration": null})"),
      SourceKind::kVideo));
  ASSERT_TRUE(patch.roi);
  EXPECT_EQ((*patch.roi)["roi_polygon"].size(), 3u);
  EXPECT_EQ(patch.speed_limit_kmh, Json(50.0));
  ASSERT_TRUE(patch.calibration);
  EXPECT_TRUE(patch.calibration->is_null());  // cleared
  EXPECT_FALSE(patch.lines);                  // unchanged
  EXPECT_FALSE(patch.name);
  EXPECT_TRUE(patch.changes_pipeline_config());

  const SourceSettings rename =
      value_of(parse_source_patch(Json::parse(R"({"name": "B"})"), SourceKind::kVideo));
  EXPECT_FALSE(rename.changes_pipeline_config());
  EXPECT_EQ(
      value_of(parse_source_patch(Json::parse(R"({"speed_limit_kmh": 80})"), SourceKind::kCamera))
          .speed_limit_kmh,
      Json(80.0));
}

TEST(SourceRequest, PatchErrors) {
  const ApiError unknown = error_of(parse_source_patch(
      Json::parse(R"({"speedlimit": 50, "file_path": "/etc"})"), SourceKind::kVideo));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.message.find("speedlimit"), std::string::npos);
  EXPECT_NE(unknown.message.find("file_path"), std::string::npos);
  // uri is a camera setting.
  EXPECT_NE(
      error_of(parse_source_patch(Json::parse(R"({"uri": "rtsp://c/x"})"), SourceKind::kVideo))
          .message.find("uri"),
      std::string::npos);
  EXPECT_EQ(error_of(parse_source_patch(Json::object(), SourceKind::kVideo)).status, 400);
  EXPECT_EQ(error_of(parse_source_patch(Json::array(), SourceKind::kVideo)).status, 400);
  EXPECT_EQ(
      error_of(parse_source_patch(Json::parse(R"({"speed_limit": 50, "speed_limit_kmh": 60})"),
                                  SourceKind::kVideo))
          .status,
      400);
  EXPECT_EQ(error_of(parse_source_patch(Json::parse(R"({"speed_limit": 500})"), SourceKind::kVideo))
                .status,
            400);
}

TEST(SourceRequest, Cameras) {
  const SourceSettings camera = value_of(parse_camera_create(
      Json::parse(R"({"name": "Gate", "uri": "rtsp://10.0.0.5/live", "speed_limit": 30})")));
  EXPECT_EQ(camera.name, "Gate");
  EXPECT_EQ(camera.uri, "rtsp://10.0.0.5/live");
  EXPECT_EQ(error_of(parse_camera_create(Json::parse(R"({"name": "Gate"})"))).status, 400);
  EXPECT_EQ(error_of(parse_camera_create(Json::parse(R"({"uri": "rtsp://c/x"})"))).status, 400);
}

TEST(SourceRequest, JsonBodies) {
  EXPECT_EQ(value_of(parse_json_body(R"({"a": 1})")), Json({{"a", 1}}));
  const ApiError error = error_of(parse_json_body("{\"a\": "));
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.message.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(error_of(parse_json_body("")).status, 400);
}

TEST(SourceRequest, UploadFieldsAreTextLikeTheSeedSendsThem) {
  const std::map<std::string, std::string> fields{
      {"name", "Highway Traffic"},
      {"roi", "[[100, 200], [300, 200], [300, 400], [100, 400]]"},
      {"fps", "30.0"},
      {"speed_limit", "60"},
      {"lines", ""},  // empty: absent
      {"calibration", calibration().dump()}};
  const SourceSettings settings = value_of(parse_upload_fields(fields, "clip.mp4"));
  EXPECT_EQ(settings.name, "Highway Traffic");
  EXPECT_EQ((*settings.roi)["roi_polygon"][1], Json::parse("[300, 200]"));
  EXPECT_DOUBLE_EQ(*settings.fps, 30.0);
  EXPECT_EQ(settings.speed_limit_kmh, Json(60.0));
  EXPECT_FALSE(settings.lines);
  EXPECT_EQ(settings.calibration, calibration());
}

TEST(SourceRequest, UploadNamesDefaultToTheClientsFileName) {
  EXPECT_EQ(value_of(parse_upload_fields({}, "C:\\clips\\..\\highway.mp4")).name, "highway.mp4");
  EXPECT_EQ(value_of(parse_upload_fields({}, "../../etc/passwd")).name, "passwd");
  EXPECT_EQ(value_of(parse_upload_fields({}, std::nullopt)).name, "video");
  EXPECT_EQ(value_of(parse_upload_fields({}, "dir/")).name, "video");
  const std::string long_name = std::string(254, 'a') + "\xC3\xA9";  // 256 bytes, é cut in two
  EXPECT_EQ(value_of(parse_upload_fields({}, long_name)).name, std::string(254, 'a'));
}

TEST(SourceRequest, UploadFieldErrors) {
  EXPECT_NE(error_of(parse_upload_fields({{"speed", "60"}}, std::nullopt)).message.find("speed"),
            std::string::npos);
  EXPECT_NE(error_of(parse_upload_fields({{"fps", "fast"}}, std::nullopt)).message.find("'fps'"),
            std::string::npos);
  EXPECT_EQ(error_of(parse_upload_fields({{"roi", "[[0,0],[1,1]"}}, std::nullopt)).status, 400);
  EXPECT_EQ(error_of(parse_upload_fields({{"fps", "0"}}, std::nullopt)).status, 400);
  EXPECT_EQ(error_of(parse_upload_fields({{"name", std::string("\xFF", 1)}}, std::nullopt)).status,
            400);
}

}  // namespace
}  // namespace rw::server
