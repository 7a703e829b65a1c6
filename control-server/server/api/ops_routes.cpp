#include "api/ops_routes.hpp"

#include "api/reply.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;

// 200 only when both PostgreSQL (connected and migrated) and Redis are up; the 503 says which
// one is down and why.
void ready(ApiContext &context, SoupServerMessage *msg) {
  const bool pg_ok = context.deps.pg.ready();
  const bool redis_ok = context.deps.redis.connected();
  const auto state = [](bool ok, const std::string &error) {
    return ok ? Json("ok") : Json("down: " + (error.empty() ? std::string("connecting") : error));
  };
  Json body = {{"postgres", state(pg_ok, context.deps.pg.last_error())},
               {"redis", state(redis_ok, context.deps.redis.last_error())}};
  if (pg_ok && redis_ok) {
    body["status"] = "ready";
    return reply_json(msg, 200, body);
  }
  std::string down;
  if (!pg_ok) down = "PostgreSQL";
  if (!redis_ok) down += down.empty() ? "Redis" : " and Redis";
  body["status"] = "not_ready";
  body["error"] = {{"code", "not_ready"}, {"message", down + " not available"}};
  reply_json(msg, 503, body);
}

void sessions(const Context &context, ApiRequest &request) {
  const Pending reply = PendingReply::pause(request.msg);
  auto done = [reply, one = request.route.route ==
                            Route::kSessionGet](std::variant<Json, ApiError> answer) {
    if (auto *error = std::get_if<ApiError>(&answer)) return reply->error(*error);
    reply->json(200, one ? std::get<Json>(answer) : Json{{"sessions", std::get<Json>(answer)}});
  };
  if (request.route.route == Route::kSessionGet) {
    context->deps.supervisor.get_session(request.route.id, std::move(done));
  } else {
    context->deps.supervisor.list_sessions(std::move(done));
  }
}

}  // namespace

bool is_ops_route(Route route) {
  return route == Route::kHealthz || route == Route::kReadyz || route == Route::kMetrics ||
         route == Route::kWebsocketStatus || route == Route::kSessionList ||
         route == Route::kSessionGet;
}

void serve_ops_route(const Context &context, ApiRequest &request) {
  SoupServerMessage *msg = request.msg;
  switch (request.route.route) {
    case Route::kHealthz:
      return reply_json(msg, 200, {{"status", "ok"}});
    case Route::kReadyz:
      return ready(*context, msg);
    case Route::kMetrics:
      return reply_bytes(msg, 200, "text/plain; version=0.0.4; charset=utf-8",
                         context->deps.metrics.render());
    case Route::kWebsocketStatus:
      return reply_json(msg, 200, context->deps.websocket_status());
    case Route::kSessionList:
    case Route::kSessionGet:
      return sessions(context, request);
    default:
      return reply_error(msg, ApiError::internal("not an ops route"));
  }
}

}  // namespace rw::server
