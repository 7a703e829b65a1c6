#include "api/source_routes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>

#include "api/blocking_task.hpp"
#include "api/pg_error.hpp"
#include "api/reply.hpp"
#include "api/source_request.hpp"
#include "api/source_store.hpp"
#include "api/upload_session.hpp"
#include "db/history.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;

// The kind of source a route serves; nullopt for the routes of the other files.
std::optional<SourceKind> source_kind(Route route) {
  switch (route) {
    case Route::kVideoList:
    case Route::kVideoUpload:
    case Route::kVideoGet:
    case Route::kVideoPatch:
    case Route::kVideoDelete:
    case Route::kVideoFrame:
    case Route::kVideoStart:
    case Route::kVideoStop:
    case Route::kVideoAnalytics:
      return SourceKind::kVideo;
    case Route::kCameraList:
    case Route::kCameraCreate:
    case Route::kCameraGet:
    case Route::kCameraPatch:
    case Route::kCameraDelete:
    case Route::kCameraFrame:
    case Route::kCameraStart:
    case Route::kCameraStop:
    case Route::kCameraAnalytics:
      return SourceKind::kCamera;
    default:
      return std::nullopt;
  }
}

std::string noun(SourceKind kind) {
  return std::string(to_string(kind));
}

ApiError no_such(SourceKind kind, int id) {
  return ApiError::not_found("no " + noun(kind) + " " + std::to_string(id));
}

// The JSON of the first row, or a 500 when the row is malformed.
std::variant<Json, ApiError> first_source(const SqlRows &rows) {
  try {
    return source_json(rows, 0);
  } catch (const std::exception &e) {
    g_warning("http: malformed sources row: %s", e.what());
    return ApiError::internal("a sources row could not be read");
  }
}

// A running session as the supervisor sees it: its row's counters lag by a few seconds and
// its config_version is only known live.
Json with_live_session(ApiContext &ctx, Json source) {
  const Json &session = source["session"];
  if (session.is_object()) {
    if (auto live = ctx.deps.supervisor.live_session(session.at("id").get<std::int64_t>())) {
      source["session"] = std::move(*live);
    }
  }
  return source;
}

void reply_source(const Pending &reply, int status, const SqlRows &rows) {
  auto json = first_source(rows);
  if (auto *error = std::get_if<ApiError>(&json)) return reply->error(*error);
  reply->json(status, std::get<Json>(json));
}

Checked<Json> request_json(SoupServerMessage *msg) {
  GBytes *bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
  gsize size = 0;
  const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  auto parsed = parse_json_body(std::string_view(data == nullptr ? "" : data, size));
  g_bytes_unref(bytes);
  return parsed;
}

// Runs then once the source exists with the route's kind; otherwise answers 404 (or 503).
void with_source(const Context &context, const Pending &reply, SourceKind kind, int id,
                 std::function<void(ApiContext &)> then) {
  context->deps.pg.query(get_source_statement(kind, id),
                         while_alive(context, [reply, kind, id, then = std::move(then)](
                                                  ApiContext &ctx, const PgResult &result) {
                           if (auto error = database_error(result, "source"))
                             return reply->error(*error);
                           if (result.rows() == 0) return reply->error(no_such(kind, id));
                           then(ctx);
                         }));
}

void list_sources(const Context &context, const Pending &reply, SourceKind kind) {
  context->deps.pg.query(
      list_sources_statement(kind),
      while_alive(context, [reply, kind](ApiContext &ctx, const PgResult &result) {
        if (auto error = database_error(result, "sources")) return reply->error(*error);
        const SqlRows rows = result.sql_rows();
        Json items = Json::array();
        for (std::size_t row = 0; row < rows.rows.size(); ++row) {
          try {
            items.push_back(with_live_session(ctx, source_json(rows, row)));
          } catch (const std::exception &e) {
            g_warning("http: malformed sources row: %s", e.what());
            return reply->error(ApiError::internal("a sources row could not be read"));
          }
        }
        reply->json(200, {{kind == SourceKind::kVideo ? "videos" : "cameras", items}});
      }));
}

void get_source(const Context &context, const Pending &reply, SourceKind kind, int id) {
  context->deps.pg.query(
      get_source_statement(kind, id),
      while_alive(context, [reply, kind, id](ApiContext &ctx, const PgResult &result) {
        if (auto error = database_error(result, "source")) return reply->error(*error);
        if (result.rows() == 0) return reply->error(no_such(kind, id));
        auto json = first_source(result.sql_rows());
        if (auto *error = std::get_if<ApiError>(&json)) return reply->error(*error);
        reply->json(200, with_live_session(ctx, std::get<Json>(std::move(json))));
      }));
}

// Removes a stored upload off the main loop (a large file's unlink can take a while).
void remove_file_later(std::string path) {
  run_blocking(
      [path] {
        if (unlink(path.c_str()) != 0 && errno != ENOENT) {
          return BlockingResult{std::string(std::strerror(errno)), {}};
        }
        return BlockingResult{};
      },
      [path](BlockingResult result) {
        if (!result.error.empty()) {
          g_warning("http: cannot remove %s: %s", path.c_str(), result.error.c_str());
        }
      });
}

// The upload's body is complete: sync and rename its file off the main loop, then insert the
// row. The file is removed again when anything fails.
void create_video(const Context &context, const Pending &reply, UploadSession &upload) {
  auto finished = upload.finish();
  if (auto *error = std::get_if<ApiError>(&finished)) return reply->error(*error);
  auto stored =
      std::make_shared<UploadSession::Stored>(std::move(std::get<UploadSession::Stored>(finished)));
  const std::string dir = context->config.videos_dir();

  run_blocking(
      [fd = stored->fd, temp = stored->temp_path, final_path = stored->final_path, dir] {
        // Data and name on disk before the row exists: a crash never leaves a row whose file
        // is missing or short.
        BlockingResult result;
        if (fdatasync(fd) != 0) result.error = std::string("fsync: ") + std::strerror(errno);
        close(fd);
        if (result.error.empty() && rename(temp.c_str(), final_path.c_str()) != 0) {
          result.error = std::string("rename: ") + std::strerror(errno);
        }
        if (!result.error.empty()) {
          unlink(temp.c_str());
          return result;
        }
        if (const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
          fsync(dir_fd);
          close(dir_fd);
        }
        return result;
      },
      while_alive(context, [reply, stored](ApiContext &ctx, BlockingResult result) {
        if (!result.error.empty()) {
          g_warning("http: cannot store upload %s: %s", stored->final_path.c_str(),
                    result.error.c_str());
          return reply->error(ApiError::internal("the upload could not be stored"));
        }
        ctx.deps.metrics.counter("rw_http_uploads_total", "Videos uploaded") += 1;
        ctx.deps.metrics.counter("rw_http_upload_bytes_total", "Bytes of videos uploaded") +=
            static_cast<double>(stored->size_bytes);
        ctx.deps.pg.query(
            insert_source_statement(SourceKind::kVideo, stored->settings, stored->final_path,
                                    static_cast<std::int64_t>(stored->size_bytes)),
            [reply, stored](const PgResult &inserted) {
              if (auto error = database_error(inserted, "insert video")) {
                remove_file_later(stored->final_path);
                return reply->error(*error);
              }
              reply_source(reply, 201, inserted.sql_rows());
            });
      }));
}

void create_camera(const Context &context, const Pending &reply, SoupServerMessage *msg) {
  auto body = request_json(msg);
  if (auto *error = std::get_if<ApiError>(&body)) return reply->error(*error);
  auto settings = parse_camera_create(std::get<Json>(body));
  if (auto *error = std::get_if<ApiError>(&settings)) return reply->error(*error);
  context->deps.pg.query(
      insert_source_statement(SourceKind::kCamera, std::get<SourceSettings>(settings), std::nullopt,
                              std::nullopt),
      [reply](const PgResult &result) {
        if (auto error = database_error(result, "insert camera")) return reply->error(*error);
        reply_source(reply, 201, result.sql_rows());
      });
}

// PATCH: the row first (config_version + 1), then, for a running pipeline, the supervisor
// pushes the new settings to it. The answer says how that went in "live_update"; the stored
// change stands either way (a later start uses it).
void patch_source(const Context &context, const Pending &reply, SoupServerMessage *msg,
                  SourceKind kind, int id) {
  auto body = request_json(msg);
  if (auto *error = std::get_if<ApiError>(&body)) return reply->error(*error);
  auto parsed = parse_source_patch(std::get<Json>(body), kind);
  if (auto *error = std::get_if<ApiError>(&parsed)) return reply->error(*error);
  const bool live = std::get<SourceSettings>(parsed).changes_pipeline_config();

  context->deps.pg.query(
      update_source_statement(kind, id, std::get<SourceSettings>(parsed)),
      while_alive(context, [reply, kind, id, live](ApiContext &ctx, const PgResult &result) {
        if (auto error = database_error(result, "update source")) return reply->error(*error);
        if (result.rows() == 0) return reply->error(no_such(kind, id));
        auto json = first_source(result.sql_rows());
        if (auto *error = std::get_if<ApiError>(&json)) return reply->error(*error);
        if (!live) return reply->json(200, with_live_session(ctx, std::get<Json>(json)));
        ctx.deps.supervisor.apply_config(id, [reply, source = with_live_session(
                                                         ctx, std::get<Json>(json))](
                                                 std::variant<Json, ApiError> applied) {
          Json answer = source;
          if (auto *error = std::get_if<ApiError>(&applied)) {
            answer["live_update"] = {{"status", "failed"}, {"error", error_json(*error)["error"]}};
          } else if (std::get<Json>(applied).is_null()) {
            answer["live_update"] = {{"status", "not_running"}};
          } else {
            answer["live_update"] = {{"status", "applied"}, {"session", std::get<Json>(applied)}};
          }
          reply->json(200, answer);
        });
      }));
}

bool inside(const std::string &path, const std::string &dir) {
  return path.starts_with(dir + "/") && path.find("/..") == std::string::npos &&
         path.find('/', dir.size() + 1) == std::string::npos;
}

void delete_source(const Context &context, const Pending &reply, SourceKind kind, int id) {
  const std::vector<int> active = context->deps.supervisor.active_sources();
  const ApiError running = ApiError::conflict(
      noun(kind) + " " + std::to_string(id) + " is running; stop it first (POST /api/" +
      noun(kind) + "s/" + std::to_string(id) + "/stream/stop)");
  if (std::find(active.begin(), active.end(), id) != active.end()) return reply->error(running);

  context->deps.pg.query(
      delete_source_statement(kind, id),
      while_alive(context, [reply, kind, id, running](ApiContext &ctx, const PgResult &result) {
        if (auto error = database_error(result, "delete source")) return reply->error(*error);
        const SqlRows rows = result.sql_rows();
        if (rows.rows.empty()) return reply->error(no_such(kind, id));
        if (rows.at(0, "running") == "t") return reply->error(running);
        const auto path = source_file_path(rows, 0);
        if (path && inside(*path, ctx.config.videos_dir())) {
          remove_file_later(*path);
        } else if (path) {
          g_warning("http: video %d's file %s is outside %s; left in place", id, path->c_str(),
                    ctx.config.videos_dir().c_str());
        }
        reply->empty();
      }));
}

void start_or_stop(const Context &context, const Pending &reply, SourceKind kind, int id,
                   bool start) {
  with_source(context, reply, kind, id, [reply, kind, id, start](ApiContext &ctx) {
    auto done = [reply, kind, id, start](std::variant<Json, ApiError> outcome) {
      if (auto *error = std::get_if<ApiError>(&outcome)) return reply->error(*error);
      const std::string what = kind == SourceKind::kVideo ? "Video" : "Camera";
      reply->json(start ? 201 : 200,
                  {{"message", what + (start ? " streaming started" : " streaming stopped")},
                   {noun(kind) + "_id", id},
                   {"session", std::get<Json>(outcome)}});
    };
    if (start) {
      ctx.deps.supervisor.start_session(id, std::move(done));
    } else {
      ctx.deps.supervisor.stop_session(id, std::move(done));
    }
  });
}

void snapshot_frame(const Context &context, const Pending &reply, SourceKind kind, int id) {
  with_source(context, reply, kind, id, [reply, id](ApiContext &ctx) {
    ctx.deps.supervisor.snapshot_frame(id, [reply](std::variant<std::string, ApiError> jpeg) {
      if (auto *error = std::get_if<ApiError>(&jpeg)) return reply->error(*error);
      reply->bytes(200, "image/jpeg", std::move(std::get<std::string>(jpeg)));
    });
  });
}

void analytics(const Context &context, const Pending &reply, SourceKind kind, int id) {
  with_source(context, reply, kind, id, [reply, id](ApiContext &ctx) {
    source_analytics(ctx.deps.pg, id, [reply](std::variant<Json, ApiError> summary) {
      if (auto *error = std::get_if<ApiError>(&summary)) return reply->error(*error);
      reply->json(200, std::get<Json>(summary));
    });
  });
}

}  // namespace

bool is_source_route(Route route) {
  return source_kind(route).has_value();
}

void serve_source_route(const Context &context, ApiRequest &request) {
  const Pending reply = PendingReply::pause(request.msg);
  // Not a source route: the default case below answers 500.
  const SourceKind kind = source_kind(request.route.route).value_or(SourceKind::kVideo);
  const int id = static_cast<int>(request.route.id);  // the router bounds source ids to int
  switch (request.route.route) {
    case Route::kVideoList:
    case Route::kCameraList:
      return list_sources(context, reply, kind);
    case Route::kVideoGet:
    case Route::kCameraGet:
      return get_source(context, reply, kind, id);
    case Route::kVideoUpload:
      if (!request.upload) return reply->error(ApiError::internal("the upload was not set up"));
      return create_video(context, reply, *request.upload);
    case Route::kCameraCreate:
      return create_camera(context, reply, request.msg);
    case Route::kVideoPatch:
    case Route::kCameraPatch:
      return patch_source(context, reply, request.msg, kind, id);
    case Route::kVideoDelete:
    case Route::kCameraDelete:
      return delete_source(context, reply, kind, id);
    case Route::kVideoStart:
    case Route::kCameraStart:
      return start_or_stop(context, reply, kind, id, true);
    case Route::kVideoStop:
    case Route::kCameraStop:
      return start_or_stop(context, reply, kind, id, false);
    case Route::kVideoFrame:
    case Route::kCameraFrame:
      return snapshot_frame(context, reply, kind, id);
    case Route::kVideoAnalytics:
    case Route::kCameraAnalytics:
      return analytics(context, reply, kind, id);
    default:
      return reply->error(ApiError::internal("not a source route"));
  }
}

}  // namespace rw::server
