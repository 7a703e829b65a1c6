// The supervisor's API: what the REST handlers call. The runners' lives are in
// session_lifecycle.cpp.
#include "supervisor/supervisor.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <stdexcept>

#include "rw/control/keys.hpp"
#include "supervisor/runner_files.hpp"
#include "supervisor/session_store.hpp"
#include "supervisor/supervisor_impl.hpp"

namespace rw::server {
namespace {

constexpr int kListLimit = 1000;

}  // namespace

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Supervisor::Impl::Impl(SupervisorConfig supervisor_config, PgAsync &pg_async, Metrics &registry)
    : config(std::move(supervisor_config)),
      pg(pg_async),
      metrics(registry),
      runner{config.runner,       config.templates_dir, config.model,
             config.redis,        config.key_prefix,    runner_eos_timeout(config.stop_timeout),
             config.burn_overlays},
      redis(config.redis, "roadwatch-server:supervisor", g_main_context_default()),
      snapshotter({config.snapshot_timeout, std::chrono::seconds(30)}, registry),
      restarts_total(registry.counter("rw_supervisor_restarts_total",
                                      "roadwatch-run processes restarted after a failure")) {}

Supervisor::Impl::~Impl() {
  for (const guint id : {tick_timer, recovery_timer}) {
    if (id != 0) g_source_remove(id);
  }
  for (auto &[id, m] : sessions) {
    for (const guint timer : {m->restart_timer, m->kill_timer}) {
      if (timer != 0) g_source_remove(timer);
    }
  }
}

Managed *Supervisor::Impl::find(std::int64_t session_id) {
  const auto it = sessions.find(session_id);
  return it == sessions.end() ? nullptr : it->second.get();
}

Managed *Supervisor::Impl::active_for(int source_id) {
  for (auto &[id, m] : sessions) {
    if (m->session.source_id == source_id && m->session.desired_running && !m->finished) {
      return m.get();
    }
  }
  return nullptr;
}

Managed &Supervisor::Impl::adopt(const Session &session, const SourceConfig &source) {
  auto m = std::make_unique<Managed>(config.restart_backoff);
  m->session = session;
  m->written = session;
  m->last_write = std::chrono::steady_clock::now();
  m->source = source;
  m->files = session_files(config.data_dir, session.id);
  m->restarts_before_runner = session.restarts;
  Managed &ref = *m;
  sessions[session.id] = std::move(m);
  return ref;
}

std::string Supervisor::Impl::status_key(int source_id) const {
  return rw::control::status_key(config.key_prefix, std::to_string(source_id));
}

std::string Supervisor::Impl::config_key(int source_id) const {
  return rw::control::config_key(config.key_prefix, std::to_string(source_id));
}

Supervisor::Supervisor(SupervisorConfig config, PgAsync &pg, Metrics &metrics)
    : impl_(std::make_shared<Impl>(std::move(config), pg, metrics)) {
  impl_->self = impl_;
  impl_->redis.start();
  impl_->tick_timer = g_timeout_add(
      guint(impl_->config.status_interval.count()),
      [](gpointer data) {
        static_cast<Impl *>(data)->tick();
        return gboolean(G_SOURCE_CONTINUE);
      },
      impl_.get());
  impl_->update_gauges();
}

Supervisor::~Supervisor() = default;

void Supervisor::start() {
  impl_->recover();
}

void Supervisor::start_session(int source_id, JsonCallback cb) {
  Impl &impl = *impl_;
  if (impl.active_for(source_id) != nullptr) {
    return cb(ApiError::conflict("source " + std::to_string(source_id) +
                                 " already has a running session"));
  }
  session_store::load_source(
      impl.pg, source_id,
      impl.guarded([&impl, source_id, cb](std::variant<SourceConfig, ApiError> loaded) {
        if (auto *error = std::get_if<ApiError>(&loaded)) return cb(*error);
        SourceConfig source = std::get<SourceConfig>(std::move(loaded));
        // Refused before a row exists: a config the pipeline would reject.
        try {
          zones_config_json(source);
          calibration_json(source);
        } catch (const std::invalid_argument &e) {
          return cb(ApiError::bad_request("source " + std::to_string(source_id) +
                                          " cannot run: " + e.what()));
        }
        session_store::insert_session(
            impl.pg, source_id,
            impl.guarded([&impl, source, cb](std::variant<Session, ApiError> inserted) {
              if (auto *error = std::get_if<ApiError>(&inserted)) return cb(*error);
              Managed &m = impl.adopt(std::get<Session>(inserted), source);
              m.start_waiters.push_back(cb);
              impl.spawn(m);
            }));
      }));
}

void Supervisor::stop_session(int source_id, JsonCallback cb) {
  Impl &impl = *impl_;
  if (Managed *m = impl.active_for(source_id)) {
    m->stop_waiters.push_back(std::move(cb));
    return impl.request_stop(*m);
  }
  // Not running: 404 for an unknown source, 409 otherwise.
  session_store::load_source(
      impl.pg, source_id,
      impl.guarded([source_id, cb](std::variant<SourceConfig, ApiError> loaded) {
        if (auto *error = std::get_if<ApiError>(&loaded)) return cb(*error);
        cb(ApiError::conflict("source " + std::to_string(source_id) + " has no running session"));
      }));
}

void Supervisor::apply_config(int source_id, JsonCallback cb) {
  Impl &impl = *impl_;
  session_store::load_source(
      impl.pg, source_id,
      impl.guarded([&impl, source_id, cb](std::variant<SourceConfig, ApiError> loaded) {
        if (auto *error = std::get_if<ApiError>(&loaded)) return cb(*error);
        Managed *m = impl.active_for(source_id);
        if (m == nullptr) return cb(nlohmann::json(nullptr));
        SourceConfig source = std::get<SourceConfig>(std::move(loaded));
        // The files first: a runner restarted from now on starts with the new settings.
        try {
          write_session_files(m->files, source);
        } catch (const std::invalid_argument &e) {
          return cb(ApiError::bad_request("the new settings of source " +
                                          std::to_string(source_id) +
                                          " cannot be applied: " + e.what()));
        } catch (const std::exception &e) {
          return cb(ApiError::internal(e.what()));
        }
        m->source = std::move(source);
        impl.push_config(*m);
        cb(session_json(m->session));
      }));
}

void Supervisor::list_sessions(JsonCallback cb) {
  Impl &impl = *impl_;
  session_store::list_sessions(
      impl.pg, kListLimit,
      impl.guarded([&impl, cb](std::variant<std::vector<Session>, ApiError> listed) {
        if (auto *error = std::get_if<ApiError>(&listed)) return cb(*error);
        nlohmann::json items = nlohmann::json::array();
        for (const Session &row : std::get<std::vector<Session>>(listed)) {
          // The live view is fresher than the row (counters are written every few seconds).
          const Managed *m = impl.find(row.id);
          items.push_back(session_json(m != nullptr ? m->session : row));
        }
        cb(std::move(items));
      }));
}

void Supervisor::get_session(std::int64_t session_id, JsonCallback cb) {
  Impl &impl = *impl_;
  if (const Managed *m = impl.find(session_id)) return cb(session_json(m->session));
  session_store::get_session(impl.pg, session_id,
                             impl.guarded([cb](std::variant<Session, ApiError> loaded) {
                               if (auto *error = std::get_if<ApiError>(&loaded)) return cb(*error);
                               cb(session_json(std::get<Session>(loaded)));
                             }));
}

std::optional<nlohmann::json> Supervisor::live_session(std::int64_t session_id) {
  if (const Managed *m = impl_->find(session_id)) return session_json(m->session);
  return std::nullopt;
}

void Supervisor::snapshot_frame(int source_id,
                                std::function<void(std::variant<std::string, ApiError>)> cb) {
  Impl &impl = *impl_;
  session_store::load_source(impl.pg, source_id,
                             impl.guarded([&impl, cb](std::variant<SourceConfig, ApiError> loaded) {
                               if (auto *error = std::get_if<ApiError>(&loaded)) return cb(*error);
                               impl.snapshotter.snapshot(std::get<SourceConfig>(loaded), cb);
                             }));
}

std::vector<int> Supervisor::active_sources() const {
  std::set<int> sources;
  for (const auto &[id, m] : impl_->sessions) {
    if (m->session.desired_running && !m->finished) sources.insert(m->session.source_id);
  }
  return {sources.begin(), sources.end()};
}

}  // namespace rw::server
