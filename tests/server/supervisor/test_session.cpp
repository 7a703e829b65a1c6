// Sessions: their JSON and how they are read from database rows.
#include <gtest/gtest.h>

#include <stdexcept>

#include "supervisor/session.hpp"

namespace rw::server {
namespace {

SqlRows session_rows() {
  SqlRows rows;
  rows.columns = {"id",       "source_id",  "kind",       "state",         "desired_state",
                  "reason",   "fps",        "latency_ms", "frames",        "errors",
                  "restarts", "last_error", "pid",        "started_at_ms", "stopped_at_ms"};
  rows.rows.push_back({"17", "3", "video", "stopped", "stopped", "end of stream", "0", "112.5",
                       "341", "0", "1", "", std::nullopt, "1730000000123", "1730000012000"});
  return rows;
}

TEST(SessionJson, HasEveryFieldWithIsoTimesAndNulls) {
  Session s;
  s.id = 17;
  s.source_id = 3;
  s.kind = SourceKind::kCamera;
  s.state = SessionState::kReconnecting;
  s.desired_running = true;
  s.reason = "stall: no frame for 10 s";
  s.fps = 14.5;
  s.latency_ms = 80.25;
  s.frames = 341;
  s.errors = 2;
  s.restarts = 1;
  s.last_error = "src: Could not open resource";
  s.pid = 4242;
  s.started_at_ms = 1730000000123;
  s.config_version = 4;
  EXPECT_EQ(session_json(s), nlohmann::json::parse(R"({
      "id": 17, "source_id": 3, "kind": "camera", "state": "reconnecting",
      "desired_state": "running", "reason": "stall: no frame for 10 s", "fps": 14.5,
      "latency_ms": 80.25, "frames": 341, "errors": 2, "restarts": 1,
      "last_error": "src: Could not open resource", "pid": 4242,
      "started_at": "2024-10-27T03:33:20.123Z", "stopped_at": null, "config_version": 4})"));
}

TEST(SessionJson, StoppedSessionHasStopTimeAndNoPid) {
  Session s;
  s.started_at_ms = 0;
  s.stopped_at_ms = 1500;
  s.desired_running = false;
  const nlohmann::json json = session_json(s);
  EXPECT_EQ(json["started_at"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(json["stopped_at"], "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(json["desired_state"], "stopped");
  EXPECT_TRUE(json["pid"].is_null());
  EXPECT_TRUE(json["config_version"].is_null());
}

TEST(SessionState, NamesRoundTripAndUnknownIsRejected) {
  for (const auto state :
       {SessionState::kStarting, SessionState::kRunning, SessionState::kReconnecting,
        SessionState::kStopped, SessionState::kFailed}) {
    EXPECT_EQ(parse_session_state(to_string(state)), state);
  }
  EXPECT_EQ(parse_session_state("paused"), std::nullopt);
  EXPECT_EQ(parse_session_state(""), std::nullopt);
  EXPECT_EQ(parse_source_kind("camera"), SourceKind::kCamera);
  EXPECT_EQ(parse_source_kind("file"), std::nullopt);
}

TEST(SessionFromRow, ReadsEveryColumn) {
  const Session s = session_from_row(session_rows(), 0);
  EXPECT_EQ(s.id, 17);
  EXPECT_EQ(s.source_id, 3);
  EXPECT_EQ(s.kind, SourceKind::kVideo);
  EXPECT_EQ(s.state, SessionState::kStopped);
  EXPECT_FALSE(s.desired_running);
  EXPECT_EQ(s.reason, "end of stream");
  EXPECT_DOUBLE_EQ(s.latency_ms, 112.5);
  EXPECT_EQ(s.frames, 341);
  EXPECT_EQ(s.restarts, 1);
  EXPECT_EQ(s.pid, std::nullopt);
  EXPECT_EQ(s.started_at_ms, 1730000000123);
  EXPECT_EQ(s.stopped_at_ms, 1730000012000);
}

TEST(SessionFromRow, NamesTheBadColumn) {
  SqlRows rows = session_rows();
  rows.rows[0][3] = "paused";  // state
  try {
    session_from_row(rows, 0);
    FAIL() << "accepted state 'paused'";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("state"), std::string::npos) << e.what();
  }
  rows = session_rows();
  rows.rows[0][8] = "12x";  // frames
  EXPECT_THROW(session_from_row(rows, 0), std::invalid_argument);
  rows = session_rows();
  rows.rows[0][0] = std::nullopt;  // id
  EXPECT_THROW(session_from_row(rows, 0), std::invalid_argument);
}

}  // namespace
}  // namespace rw::server
