#include "api/history_routes.hpp"

#include <chrono>

#include "api/reply.hpp"
#include "db/history.hpp"

namespace rw::server {
namespace {

using Json = nlohmann::json;
constexpr const char *kCsv = "text/csv; charset=utf-8";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HistoryJsonCallback json_reply(const Pending &reply) {
  return [reply](std::variant<Json, ApiError> answer) {
    if (auto *error = std::get_if<ApiError>(&answer)) return reply->error(*error);
    reply->json(200, std::get<Json>(answer));
  };
}

HistoryBytesCallback bytes_reply(const Pending &reply, const char *content_type,
                                 std::string attachment = {}) {
  return [reply, content_type, attachment](std::variant<std::string, ApiError> answer) {
    if (auto *error = std::get_if<ApiError>(&answer)) return reply->error(*error);
    if (!attachment.empty()) {
      const std::string disposition = "attachment; filename=\"" + attachment + "\"";
      soup_message_headers_replace(soup_server_message_get_response_headers(reply->message()),
                                   "Content-Disposition", disposition.c_str());
    }
    reply->bytes(200, content_type, std::move(std::get<std::string>(answer)));
  };
}

void violations(PgAsync &pg, const Pending &reply, const QueryParams &params, bool export_file) {
  auto query = parse_violation_query(params);
  if (auto *error = std::get_if<ApiError>(&query)) return reply->error(*error);
  const ViolationQuery &checked = std::get<ViolationQuery>(query);
  if (checked.format == HistoryFormat::kCsv) {
    return export_csv(pg, checked,
                      bytes_reply(reply, kCsv, export_file ? "roadwatch-violations.csv" : ""));
  }
  list_violations(pg, checked, json_reply(reply));
}

void series(PgAsync &pg, const Pending &reply, const QueryParams &params, bool export_file) {
  auto query = parse_timeseries_query(params, now_ms());
  if (auto *error = std::get_if<ApiError>(&query)) return reply->error(*error);
  const TimeseriesQuery &checked = std::get<TimeseriesQuery>(query);
  if (checked.format == HistoryFormat::kCsv) {
    return export_csv(pg, checked,
                      bytes_reply(reply, kCsv, export_file ? "roadwatch-timeseries.csv" : ""));
  }
  timeseries(pg, checked, json_reply(reply));
}

void speeds(PgAsync &pg, const Pending &reply, const QueryParams &params) {
  auto query = parse_speed_histogram_query(params);
  if (auto *error = std::get_if<ApiError>(&query)) return reply->error(*error);
  const SpeedHistogramQuery &checked = std::get<SpeedHistogramQuery>(query);
  if (checked.format == HistoryFormat::kCsv)
    return export_csv(pg, checked, bytes_reply(reply, kCsv));
  speed_histogram(pg, checked, json_reply(reply));
}

// export.csv: `data` picks the table (default timeseries); the rest is that query's.
void export_file(PgAsync &pg, const Pending &reply, QueryParams params) {
  const auto data = params.find("data");
  const std::string what =
      data == params.end() || data->second.empty() ? "timeseries" : data->second;
  if (data != params.end()) params.erase(data);
  if (const auto format = params.find("format");
      format != params.end() && !format->second.empty() && format->second != "csv") {
    return reply->error(ApiError::bad_request("export.csv is CSV; leave format out"));
  }
  params["format"] = "csv";
  if (what == "timeseries") return series(pg, reply, params, true);
  if (what == "violations") return violations(pg, reply, params, true);
  reply->error(ApiError::bad_request("data must be timeseries or violations, not '" + what + "'"));
}

}  // namespace

bool is_history_route(Route route) {
  return route == Route::kViolationList || route == Route::kViolationSnapshot ||
         route == Route::kTimeseries || route == Route::kSpeeds || route == Route::kExportCsv;
}

void serve_history_route(const Context &context, ApiRequest &request) {
  const Pending reply = PendingReply::pause(request.msg);
  PgAsync &pg = context->deps.pg;
  switch (request.route.route) {
    case Route::kViolationList:
      return violations(pg, reply, request.query, false);
    case Route::kViolationSnapshot:
      return violation_snapshot(pg, request.route.id, bytes_reply(reply, "image/jpeg"));
    case Route::kTimeseries:
      return series(pg, reply, request.query, false);
    case Route::kSpeeds:
      return speeds(pg, reply, request.query);
    case Route::kExportCsv:
      return export_file(pg, reply, request.query);
    default:
      return reply->error(ApiError::internal("not a history route"));
  }
}

}  // namespace rw::server
