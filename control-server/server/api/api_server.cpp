#include "api/api_server.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "api/history_routes.hpp"
#include "api/ops_routes.hpp"
#include "api/reject.hpp"
#include "api/reply.hpp"
#include "api/source_routes.hpp"
#include "api/static_files.hpp"
#include "api/upload_session.hpp"
#include "common/redact.hpp"

namespace rw::server {
namespace {

constexpr const char *kStateKey = "roadwatch-request";
// An upload that sends nothing for this long is cut off (408), so that slow or stalled clients
// cannot hold connections and partial files forever.
constexpr gint64 kUploadStallUs = 60 * G_USEC_PER_SEC;
constexpr guint kUploadStallCheckS = 5;

// What the early handler learned about a request, kept on the message until it is finished.
struct RequestState {
  gint64 started_us = g_get_monotonic_time();
  std::string method;
  std::string target;  // path and query, tokens redacted
  std::string route_label = "unmatched";
  std::string principal = "-";
  std::optional<RouteMatch> route;
  bool is_static = false;
  std::unique_ptr<UploadSession> upload;
  std::size_t body_bytes = 0;
  std::size_t max_body_bytes = 0;  // for bodies other than uploads
  bool logged = false;
  std::weak_ptr<ApiContext> context;
  gint64 last_chunk_us = 0;  // uploads: when the last piece arrived
  guint stall_timer = 0;

  ~RequestState() {
    if (stall_timer != 0) g_source_remove(stall_timer);
  }
};

RequestState *state_of(SoupServerMessage *msg) {
  return static_cast<RequestState *>(g_object_get_data(G_OBJECT(msg), kStateKey));
}

void log_request(RequestState &state, unsigned status) {
  if (state.logged) return;
  state.logged = true;
  const double ms = static_cast<double>(g_get_monotonic_time() - state.started_us) / 1000.0;
  g_message("http: %s %s %u %.1f ms %s", state.method.c_str(), state.target.c_str(), status, ms,
            state.principal.c_str());
  if (const Context context = state.context.lock()) {
    context->deps.metrics.counter(
        "rw_http_requests_total", "HTTP requests answered",
        {{"route", state.route_label}, {"status", std::to_string(status)}}) += 1;
  }
}

void on_finished(SoupServerMessage *msg, gpointer) {
  if (RequestState *state = state_of(msg)) log_request(*state, soup_server_message_get_status(msg));
}

// Refuses the request before (or while) its body is read, and logs it: a request whose
// connection is taken over never reaches "finished".
void refuse(SoupServerMessage *msg, const ApiError &error, const std::string &allow = {},
            BodyState body = BodyState::kNotStarted) {
  RequestState *state = state_of(msg);
  if (state != nullptr) state->upload.reset();  // removes a partial upload
  if (reject_request(msg, body, error, allow) && state != nullptr) {
    log_request(*state, static_cast<unsigned>(error.status));
  }
}

void on_upload_chunk(SoupServerMessage *msg, GBytes *chunk, gpointer) {
  RequestState *state = state_of(msg);
  if (state == nullptr || !state->upload) return;
  gsize size = 0;
  const auto *data = static_cast<const char *>(g_bytes_get_data(chunk, &size));
  state->last_chunk_us = g_get_monotonic_time();
  if (auto error = state->upload->feed(std::string_view(data, size))) {
    refuse(msg, *error, {}, BodyState::kFlowing);
  }
}

gboolean check_upload_stall(gpointer data) {
  auto *msg = static_cast<SoupServerMessage *>(data);
  RequestState *state = state_of(msg);
  if (state == nullptr || !state->upload) {  // finished or refused
    if (state != nullptr) state->stall_timer = 0;
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time() - state->last_chunk_us < kUploadStallUs) return G_SOURCE_CONTINUE;
  state->stall_timer = 0;
  refuse(msg, {408, "request_timeout", "the upload stalled: nothing arrived for 60 s"}, {},
         BodyState::kFlowing);
  return G_SOURCE_REMOVE;
}

// Bodies other than uploads are held in memory by libsoup: bounded here, also when chunked.
void on_body_chunk(SoupServerMessage *msg, GBytes *chunk, gpointer) {
  RequestState *state = state_of(msg);
  if (state == nullptr) return;
  state->body_bytes += g_bytes_get_size(chunk);
  if (state->body_bytes > state->max_body_bytes) {
    g_signal_handlers_disconnect_by_func(msg, reinterpret_cast<gpointer>(&on_body_chunk), nullptr);
    refuse(msg,
           ApiError::too_large("the request body is larger than " +
                               std::to_string(state->max_body_bytes) + " bytes"),
           {}, BodyState::kFlowing);
  }
}

std::string media_type(SoupServerMessage *msg) {
  std::string type(request_header(msg, "Content-Type").value_or(""));
  type = type.substr(0, type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

bool takes_json_body(Route route) {
  return route == Route::kCameraCreate || route == Route::kVideoPatch ||
         route == Route::kCameraPatch;
}

Need need_of(Route route) {
  if (route == Route::kHealthz || route == Route::kReadyz) return Need::kNothing;
  return is_read_only(route) ? Need::kView : Need::kOperate;
}

QueryParams query_params(GHashTable *query) {
  QueryParams params;
  if (query == nullptr) return params;
  GHashTableIter iter;
  gpointer key = nullptr;
  gpointer value = nullptr;
  g_hash_table_iter_init(&iter, query);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    params[static_cast<const char *>(key)] =
        value != nullptr ? static_cast<const char *>(value) : "";
  }
  return params;
}

void add_cors_headers(ApiContext &context, SoupServerMessage *msg) {
  const auto origin = request_header(msg, "Origin");
  if (!origin || !origin_allowed(context.config.access, *origin)) return;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  const std::string value(*origin);
  soup_message_headers_replace(headers, "Access-Control-Allow-Origin", value.c_str());
  soup_message_headers_append(headers, "Vary", "Origin");
}

// OPTIONS: the CORS preflight of a browser page on an allowed origin (or a plain Allow list).
void preflight(ApiContext &context, SoupServerMessage *msg, const char *path) {
  const auto probe = match_route("OPTIONS", path);
  const auto &failure = std::get<RouteError>(probe);  // OPTIONS is in no route
  if (failure.error.status == 404) return refuse(msg, failure.error);
  const auto origin = request_header(msg, "Origin");
  if (origin && !origin_allowed(context.config.access, *origin)) {
    return refuse(msg, ApiError::forbidden("origin " + std::string(*origin) + " is not allowed"));
  }
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(headers, "Allow", failure.allow.c_str());
  soup_message_headers_replace(headers, "Access-Control-Allow-Methods", failure.allow.c_str());
  soup_message_headers_replace(headers, "Access-Control-Allow-Headers",
                               "Authorization, Content-Type");
  soup_message_headers_replace(headers, "Access-Control-Max-Age", "600");
  reply_empty(msg);
}

// The upload's checks before its body is read, then streaming to disk as it arrives.
std::optional<ApiError> prepare_upload(ApiContext &context, SoupServerMessage *msg,
                                       RequestState &state) {
  if (!context.deps.pg.ready()) {
    return ApiError{503, "database_unavailable", "the database is unavailable; try again shortly"};
  }
  SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      static_cast<std::uint64_t>(soup_message_headers_get_content_length(headers)) >
          context.config.max_upload_bytes) {
    return ApiError::too_large("the upload is larger than the limit of " +
                               std::to_string(context.config.max_upload_bytes / (1024 * 1024)) +
                               " MiB (--max-upload-mb)");
  }
  auto boundary = multipart_boundary(request_header(msg, "Content-Type").value_or(""));
  if (auto *error = std::get_if<ApiError>(&boundary)) return *error;
  state.upload =
      std::make_unique<UploadSession>(context.config.videos_dir(), context.config.max_upload_bytes,
                                      std::move(std::get<std::string>(boundary)));
  soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
  g_signal_connect(msg, "got-chunk", G_CALLBACK(on_upload_chunk), nullptr);
  state.last_chunk_us = g_get_monotonic_time();
  // The timer dies with the state (the message's data), so msg is valid whenever it fires.
  state.stall_timer = g_timeout_add_seconds(kUploadStallCheckS, check_upload_stall, msg);
  return std::nullopt;
}

std::optional<ApiError> prepare_body(ApiContext &context, SoupServerMessage *msg,
                                     RequestState &state) {
  if (!body_expected(msg)) return std::nullopt;
  if (takes_json_body(state.route->route) && media_type(msg) != "application/json") {
    return ApiError::unsupported_media("send the body as Content-Type: application/json");
  }
  state.max_body_bytes = context.config.max_json_body_bytes;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      static_cast<std::size_t>(soup_message_headers_get_content_length(headers)) >
          state.max_body_bytes) {
    return ApiError::too_large("the request body is larger than " +
                               std::to_string(state.max_body_bytes) + " bytes");
  }
  g_signal_connect(msg, "got-chunk", G_CALLBACK(on_body_chunk), nullptr);
  return std::nullopt;
}

void early_handler(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                   gpointer data) {
  ApiContext &context = **static_cast<Context *>(data);
  auto *state = new RequestState;
  g_object_set_data_full(G_OBJECT(msg), kStateKey, state,
                         [](gpointer p) { delete static_cast<RequestState *>(p); });
  state->context = *static_cast<Context *>(data);
  state->method = soup_server_message_get_method(msg);
  const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
  state->target = redact_for_log(std::string(path) + (query ? std::string("?") + query : ""));
  g_signal_connect(msg, "finished", G_CALLBACK(on_finished), nullptr);
  add_cors_headers(context, msg);

  if (!is_api_path(path)) {
    state->is_static = true;
    state->route_label = "static";
    if (body_expected(msg)) {
      refuse(msg, ApiError::method_not_allowed(state->method + " is not allowed on files"),
             "GET, HEAD");
    }
    return;
  }
  if (state->method == "OPTIONS") return preflight(context, msg, path);

  auto matched = match_route(state->method, path);
  if (auto *failure = std::get_if<RouteError>(&matched)) {
    return refuse(msg, failure->error, failure->allow);
  }
  state->route = std::get<RouteMatch>(matched);
  state->route_label = route_name(state->route->route);

  const AccessDecision decision =
      decide_access(context.config.access, need_of(state->route->route),
                    {request_header(msg, "Authorization"), request_header(msg, "Origin"),
                     request_header(msg, "Host")});
  state->principal = decision.principal;
  if (decision.error) return refuse(msg, *decision.error);

  const auto body_error = state->route->route == Route::kVideoUpload
                              ? prepare_upload(context, msg, *state)
                              : prepare_body(context, msg, *state);
  if (body_error) refuse(msg, *body_error);
}

void handler(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer data) {
  const Context &context = *static_cast<Context *>(data);
  RequestState *state = state_of(msg);
  if (state == nullptr) return reply_error(msg, ApiError::internal("request without state"));
  if (state->is_static) return serve_static_file(context->config.web_root, msg, path);
  if (!state->route) return reply_error(msg, ApiError::internal("request without a route"));

  ApiRequest request{msg, *state->route, query_params(query), std::move(state->upload)};
  const Route route = request.route.route;
  if (is_source_route(route)) return serve_source_route(context, request);
  if (is_history_route(route)) return serve_history_route(context, request);
  if (is_ops_route(route)) return serve_ops_route(context, request);
  reply_error(msg, ApiError::internal("no handler for this route"));
}

}  // namespace

ApiServer::ApiServer(SoupServer *server, ApiConfig config, ApiDeps deps)
    : server_(server), context_(std::make_shared<ApiContext>(ApiContext{std::move(config), deps})) {
  // nullptr path: every path not claimed by a more specific handler (the WebSocket's).
  soup_server_add_early_handler(server_, nullptr, early_handler, &context_, nullptr);
  soup_server_add_handler(server_, nullptr, handler, &context_, nullptr);
}

ApiServer::~ApiServer() {
  soup_server_remove_handler(server_, "/");
}

}  // namespace rw::server
