#include <gtest/gtest.h>

#include "api/source_store.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;

using Row = std::map<std::string, std::optional<std::string>>;

// A row as PostgreSQL returns it for the statements of source_store.
Row video_row() {
  return {{"id", "3"},
          {"kind", "video"},
          {"name", "Highway"},
          {"uri", std::nullopt},
          {"file_path", "/data/videos/0f8e.mp4"},
          {"size_bytes", "1048576"},
          {"fps", "30"},
          {"roi", R"({"roi_polygon": [[1, 2], [3, 4], [5, 6]]})"},
          {"lines", std::nullopt},
          {"calibration", std::nullopt},
          {"speed_limit_kmh", "60"},
          {"config_version", "2"},
          {"created_at_ms", "1700000000000"},
          {"updated_at_ms", "1700000000250"},
          {"session_id", std::nullopt},
          {"session_source_id", std::nullopt},
          {"session_kind", "video"},
          {"session_state", std::nullopt},
          {"session_desired_state", std::nullopt},
          {"session_reason", std::nullopt},
          {"session_fps", std::nullopt},
          {"session_latency_ms", std::nullopt},
          {"session_frames", std::nullopt},
          {"session_errors", std::nullopt},
          {"session_restarts", std::nullopt},
          {"session_last_error", std::nullopt},
          {"session_pid", std::nullopt},
          {"session_started_at_ms", std::nullopt},
          {"session_stopped_at_ms", std::nullopt}};
}

SqlRows rows_of(const Row &row) {
  SqlRows rows;
  auto &values = rows.rows.emplace_back();
  for (const auto &[column, value] : row) {
    rows.columns.push_back(column);
    values.push_back(value);
  }
  return rows;
}

Json json_of(const Row &row) {
  return source_json(rows_of(row), 0);
}

TEST(SourceStore, VideoJsonHidesTheFilePath) {
  const Json json = json_of(video_row());
  EXPECT_EQ(json["id"], 3);
  EXPECT_EQ(json["kind"], "video");
  EXPECT_EQ(json["name"], "Highway");
  EXPECT_EQ(json["size_bytes"], 1048576);
  EXPECT_EQ(json["fps"], 30.0);
  EXPECT_EQ(json["roi"]["roi_polygon"][2], Json::parse("[5, 6]"));
  EXPECT_TRUE(json["lines"].is_null());
  EXPECT_EQ(json["speed_limit_kmh"], 60.0);
  EXPECT_EQ(json["config_version"], 2);
  EXPECT_EQ(json["created_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(json["updated_at"], "2023-11-14T22:13:20.250Z");
  EXPECT_TRUE(json["session"].is_null());
  EXPECT_FALSE(json.contains("file_path"));
  EXPECT_FALSE(json.contains("uri"));
  EXPECT_EQ(source_file_path(rows_of(video_row()), 0), "/data/videos/0f8e.mp4");
}

TEST(SourceStore, LatestSessionIsEmbedded) {
  Row row = video_row();
  row["session_id"] = "12";
  row["session_source_id"] = "3";
  row["session_state"] = "running";
  row["session_desired_state"] = "running";
  row["session_reason"] = "";
  row["session_fps"] = "24.5";
  row["session_latency_ms"] = "40";
  row["session_frames"] = "100";
  row["session_errors"] = "0";
  row["session_restarts"] = "1";
  row["session_last_error"] = "";
  row["session_pid"] = "4242";
  row["session_started_at_ms"] = "1700000001000";
  const Json session = json_of(row)["session"];
  EXPECT_EQ(session["id"], 12);
  EXPECT_EQ(session["source_id"], 3);
  EXPECT_EQ(session["kind"], "video");
  EXPECT_EQ(session["state"], "running");
  EXPECT_EQ(session["fps"], 24.5);
  EXPECT_EQ(session["pid"], 4242);
  EXPECT_EQ(session["started_at"], "2023-11-14T22:13:21.000Z");
  EXPECT_TRUE(session["stopped_at"].is_null());
}

TEST(SourceStore, CameraPasswordsAreNotShown) {
  Row row = video_row();
  row["kind"] = "camera";
  row["uri"] = "rtsp://admin:hunter2@10.0.0.5/live";
  row["file_path"] = std::nullopt;
  row["size_bytes"] = std::nullopt;
  const Json json = json_of(row);
  EXPECT_EQ(json["uri"], "rtsp://admin:***@10.0.0.5/live");
  EXPECT_TRUE(json["size_bytes"].is_null());
}

TEST(SourceStore, MalformedRowsThrow) {
  Row row = video_row();
  row["roi"] = "{not json";
  EXPECT_THROW(json_of(row), std::invalid_argument);
  row = video_row();
  row.erase("config_version");
  EXPECT_THROW(json_of(row), std::invalid_argument);
}

TEST(SourceStore, StatementsAreParameterised) {
  SourceSettings settings;
  settings.name = "x'); DROP TABLE sources; --";
  settings.roi = Json{{"roi_polygon", Json::parse("[[0,0],[1,0],[1,1]]")}};
  settings.speed_limit_kmh = Json(nullptr);
  const PgStatement insert =
      insert_source_statement(SourceKind::kVideo, settings, "/d/videos/a.mp4", 10);
  EXPECT_EQ(insert.sql.find("DROP"), std::string::npos);
  ASSERT_EQ(insert.params.size(), 10u);
  EXPECT_EQ(insert.params[0].value, "video");
  EXPECT_EQ(insert.params[1].value, "x'); DROP TABLE sources; --");
  EXPECT_EQ(insert.params[2].value, "/d/videos/a.mp4");
  EXPECT_FALSE(insert.params[3].value);  // uri
  EXPECT_EQ(insert.params[4].value, "10");
  EXPECT_FALSE(insert.params[5].value);  // fps: the column default
  EXPECT_EQ(Json::parse(*insert.params[6].value), *settings.roi);
  EXPECT_FALSE(insert.params[9].value);  // speed limit cleared
}

TEST(SourceStore, UpdatesSetOnlyWhatIsGivenAndBumpTheConfigVersion) {
  SourceSettings rename;
  rename.name = "B";
  const PgStatement name_only = update_source_statement(SourceKind::kCamera, 5, rename);
  EXPECT_NE(name_only.sql.find("name = $3"), std::string::npos);
  EXPECT_EQ(name_only.sql.find("roi ="), std::string::npos);
  EXPECT_EQ(name_only.sql.find("config_version + 1"), std::string::npos);
  EXPECT_EQ(name_only.params.size(), 3u);
  EXPECT_EQ(name_only.params[0].value, "camera");
  EXPECT_EQ(name_only.params[1].value, "5");

  SourceSettings limit;
  limit.speed_limit_kmh = Json(40.0);
  limit.lines = Json(nullptr);
  const PgStatement config = update_source_statement(SourceKind::kVideo, 5, limit);
  EXPECT_NE(config.sql.find("lines = $3::jsonb"), std::string::npos);
  EXPECT_NE(config.sql.find("speed_limit_kmh = $4::real"), std::string::npos);
  EXPECT_NE(config.sql.find("config_version = config_version + 1"), std::string::npos);
  EXPECT_FALSE(config.params[2].value);  // lines cleared
  EXPECT_EQ(config.params[3].value, "40.0");
}

TEST(SourceStore, DeleteAndSelectsFilterByKind) {
  EXPECT_EQ(delete_source_statement(SourceKind::kCamera, 9).params[0].value, "camera");
  EXPECT_EQ(get_source_statement(SourceKind::kVideo, 9).params[1].value, "9");
  EXPECT_EQ(list_sources_statement(SourceKind::kVideo).params.size(), 1u);
}

}  // namespace
}  // namespace rw::server
