// A session's runners from spawn to exit: launching, status polling, stopping, the restart
// policy, database writes, and taking over after a server restart.
#include <signal.h>

#include <exception>
#include <stdexcept>

#include "supervisor/process_text.hpp"
#include "supervisor/runner_files.hpp"
#include "supervisor/runner_identity.hpp"
#include "supervisor/session_store.hpp"
#include "supervisor/supervisor_impl.hpp"

namespace rw::server {
namespace {

constexpr std::chrono::seconds kRecoveryRetry{2};

const char *exit_label(const ChildExit &exit) {
  switch (exit.kind) {
    case ChildExit::Kind::kSignaled:
      return "signal";
    case ChildExit::Kind::kVanished:
      return "vanished";
    case ChildExit::Kind::kExited:
      break;
  }
  switch (exit.value) {
    case 0:
      return "exit_0";
    case 1:
      return "exit_1";
    case 2:
      return "exit_2";
    default:
      return "exit_other";
  }
}

guint add_timeout_ms(std::chrono::milliseconds delay, GSourceFunc func, gpointer data,
                     GDestroyNotify destroy) {
  return g_timeout_add_full(G_PRIORITY_DEFAULT, guint(delay.count()), func, data, destroy);
}

// The data of a session's timer (restart, kill). The Impl removes its timers when it goes, so
// the raw pointer is safe; the session may be gone, hence the id.
struct SessionTimer {
  Supervisor::Impl *impl;
  std::int64_t session_id;
};

}  // namespace

// ---- starting a runner ----

void Supervisor::Impl::spawn(Managed &m) {
  m.spawning = true;
  try {
    write_session_files(m.files, m.source);
  } catch (const std::invalid_argument &e) {
    return fail_to_start(m,
                         ApiError::bad_request(std::string("the source cannot run: ") + e.what()));
  } catch (const std::exception &e) {
    return fail_to_start(m, ApiError::internal(e.what()));
  }
  m.spawned_version = m.source.config_version;
  // The files hold the source's settings; a config hash left by an earlier runner of the
  // source could hold older ones, and a new runner applies whatever version it finds.
  redis.command(
      {"DEL", config_key(m.session.source_id)},
      guarded([this, id = m.session.id](const rw::control::Reply *reply, const std::string &) {
        Managed *managed = find(id);
        if (managed == nullptr) return;
        // Unsure it is gone: push the current settings once Redis is back.
        if (reply == nullptr || reply->type == rw::control::Reply::Type::kError) {
          managed->config_push_pending = true;
        }
        launch(id);
      }));
}

void Supervisor::Impl::launch(std::int64_t session_id) {
  Managed *found = find(session_id);
  if (found == nullptr) return;
  Managed &m = *found;
  m.spawning = false;
  if (!m.session.desired_running) {
    return finish(m, SessionState::kStopped, "stopped by operator", "");  // stopped meanwhile
  }

  RunnerCommand command = runner_command(m.source, m.session.id, runner, m.files);
  command.environment[kRestartsEnv] = std::to_string(m.restarts_before_runner);
  if (!config.plugin_dir.empty()) command.environment["GST_PLUGIN_PATH"] = config.plugin_dir;
  const std::uint64_t generation = ++m.generation;
  append_log_line(m.files.log_path, "roadwatch-server: starting roadwatch-run for session " +
                                        std::to_string(m.session.id) + " (restarts so far: " +
                                        std::to_string(m.restarts_before_runner) + ")");
  try {
    m.process = RunnerProcess::spawn(command.argv, command.environment, m.files.log_path,
                                     guarded([this, session_id, generation](ChildExit exit) {
                                       on_exit(session_id, generation, exit);
                                     }));
  } catch (const std::exception &e) {
    return fail_to_start(m, ApiError::internal(e.what()));
  }
  m.child_started_ms = unix_now_ms();
  m.published_frames = false;
  m.session.pid = m.process->pid();
  m.session.state = SessionState::kStarting;
  if (m.session.restarts == 0) m.session.reason = "roadwatch-run started";
  g_message("supervisor: session %lld (source %d): roadwatch-run started, pid %d",
            static_cast<long long>(m.session.id), m.session.source_id, m.process->pid());
  persist(m);
  for (const JsonCallback &cb : std::exchange(m.start_waiters, {})) cb(session_json(m.session));
}

void Supervisor::Impl::fail_to_start(Managed &m, const ApiError &error) {
  m.spawning = false;
  g_warning("supervisor: session %lld: %s", static_cast<long long>(m.session.id),
            error.message.c_str());
  const auto waiters = std::exchange(m.start_waiters, {});
  finish(m, SessionState::kFailed, error.message, error.message);
  for (const JsonCallback &cb : waiters) cb(error);
}

void Supervisor::Impl::attach(Managed &m, pid_t pid) {
  const std::uint64_t generation = ++m.generation;
  m.process =
      RunnerProcess::attach(pid, guarded([this, id = m.session.id, generation](ChildExit exit) {
                              on_exit(id, generation, exit);
                            }));
  m.child_started_ms = 0;  // its status hash is its own, however old
  m.published_frames = m.session.frames > 0;
  m.spawned_version.reset();
  // What the server that started it counted before it; the row also holds its rebuilds.
  const auto environment = read_proc_strings(pid, "environ");
  m.restarts_before_runner =
      environment ? environment_integer(*environment, kRestartsEnv).value_or(m.session.restarts)
                  : m.session.restarts;
  append_log_line(m.files.log_path,
                  "roadwatch-server: re-attached to roadwatch-run pid " + std::to_string(pid));
  g_message("supervisor: session %lld (source %d): re-attached to roadwatch-run pid %d",
            static_cast<long long>(m.session.id), m.session.source_id, pid);
}

// ---- a runner's end ----

void Supervisor::Impl::on_exit(std::int64_t session_id, std::uint64_t generation, ChildExit exit) {
  Managed *m = find(session_id);
  if (m == nullptr || m->generation != generation) return;
  m->exit_pending = true;
  if (m->kill_timer != 0) g_source_remove(m->kill_timer);
  m->kill_timer = 0;
  metrics.counter("rw_supervisor_child_exits_total", "roadwatch-run exits, by how they ended",
                  {{"how", exit_label(exit)}}) += 1;
  // The runner's last status says how it ended (its reason, its final frame count).
  redis.command({"HGETALL", status_key(m->session.source_id)},
                guarded([this, session_id, generation, exit](const rw::control::Reply *reply,
                                                             const std::string &) {
                  Managed *managed = find(session_id);
                  if (managed == nullptr || managed->generation != generation) return;
                  std::optional<RunnerStatus> status;
                  if (reply != nullptr) status = parse_runner_status(rw::control::to_hash(*reply));
                  if (status && managed->child_started_ms != 0 &&
                      !status_is_current(*status, managed->child_started_ms)) {
                    status.reset();
                  }
                  conclude_exit(*managed, exit, status);
                }));
}

void Supervisor::Impl::conclude_exit(Managed &m, ChildExit exit,
                                     std::optional<RunnerStatus> final_status) {
  if (final_status) {
    apply_runner_status(m.session, *final_status, m.restarts_before_runner, m.spawned_version);
    m.published_frames = m.published_frames || final_status->frames > 0;
  }
  ExitFacts facts;
  facts.kind = m.source.kind;
  facts.stop_requested = !m.session.desired_running;
  facts.final_status = final_status;
  facts.published_frames = m.published_frames;
  facts.failures_in_a_row = m.failures_in_a_row;
  facts.max_failures = config.max_failures;
  if (exit.kind != ChildExit::Kind::kExited || exit.value != 0) {
    facts.log_message = last_runner_message(read_log_tail(m.files.log_path));
  }
  const ExitDecision decision = decide_after_exit(exit, facts);
  m.process.reset();
  m.exit_pending = false;
  m.session.pid.reset();
  m.failures_in_a_row = decision.failures_in_a_row;
  append_log_line(m.files.log_path,
                  "roadwatch-server: roadwatch-run " + describe(exit) + "; " + decision.reason);
  g_message("supervisor: session %lld (source %d): roadwatch-run %s; %s",
            static_cast<long long>(m.session.id), m.session.source_id, describe(exit).c_str(),
            decision.reason.c_str());
  if (decision.action == ExitDecision::Action::kRestart) return schedule_restart(m, decision);
  finish(m, decision.state, decision.reason, decision.error);
}

void Supervisor::Impl::schedule_restart(Managed &m, const ExitDecision &decision) {
  restarts_total += 1;
  if (decision.progressed) m.backoff.reset();
  const std::chrono::milliseconds delay = m.backoff.next();
  // Everything counted so far (the runner's own rebuilds included) plus this restart.
  m.restarts_before_runner = m.session.restarts + 1;
  m.session.restarts = m.restarts_before_runner;
  m.session.state = SessionState::kStarting;
  m.session.reason = decision.reason;
  m.session.last_error = decision.error;
  m.session.fps = 0;
  m.session.latency_ms = 0;
  m.restart_timer = add_timeout_ms(
      delay,
      [](gpointer data) {
        auto *timer = static_cast<SessionTimer *>(data);
        if (Managed *managed = timer->impl->find(timer->session_id)) {
          managed->restart_timer = 0;
          timer->impl->spawn(*managed);
        }
        return gboolean(G_SOURCE_REMOVE);
      },
      new SessionTimer{this, m.session.id},
      [](gpointer data) { delete static_cast<SessionTimer *>(data); });
  persist(m);
}

void Supervisor::Impl::finish(Managed &m, SessionState state, const std::string &reason,
                              const std::string &error) {
  for (guint *timer : {&m.restart_timer, &m.kill_timer}) {
    if (*timer != 0) g_source_remove(*timer);
    *timer = 0;
  }
  m.session.state = state;
  m.session.reason = reason;
  if (!error.empty()) m.session.last_error = error;
  m.session.desired_running = false;
  m.session.stopped_at_ms = unix_now_ms();
  m.session.pid.reset();
  m.session.fps = 0;
  m.finished = true;
  metrics.counter("rw_supervisor_sessions_ended_total", "Sessions that ended, by final state",
                  {{"state", std::string(to_string(state))}}) += 1;
  const Session final_view = m.session;
  // A start answered here was stopped before its runner was launched.
  auto waiters = std::exchange(m.stop_waiters, {});
  for (JsonCallback &cb : std::exchange(m.start_waiters, {})) waiters.push_back(std::move(cb));
  persist(m);  // may forget m
  for (const JsonCallback &cb : waiters) cb(session_json(final_view));
}

// ---- stopping ----

void Supervisor::Impl::request_stop(Managed &m) {
  m.session.desired_running = false;
  if (m.process && !m.exit_pending) {
    // The runner ends its stream (the last records and the summary get out), then exits 0.
    m.process->send_signal(SIGTERM);
    append_log_line(m.files.log_path, "roadwatch-server: stop requested: SIGTERM");
    if (m.kill_timer == 0) {
      m.kill_timer = add_timeout_ms(
          config.stop_timeout,
          [](gpointer data) {
            auto *timer = static_cast<SessionTimer *>(data);
            Managed *managed = timer->impl->find(timer->session_id);
            if (managed == nullptr) return gboolean(G_SOURCE_REMOVE);
            managed->kill_timer = 0;
            if (managed->process) {
              append_log_line(managed->files.log_path,
                              "roadwatch-server: no exit " +
                                  std::to_string(timer->impl->config.stop_timeout.count()) +
                                  " s after SIGTERM: SIGKILL");
              managed->process->send_signal(SIGKILL);
            }
            return gboolean(G_SOURCE_REMOVE);
          },
          new SessionTimer{this, m.session.id},
          [](gpointer data) { delete static_cast<SessionTimer *>(data); });
    }
    return persist(m);
  }
  // The exit being concluded or the launch under way sees the request and finishes it.
  if (m.exit_pending || m.spawning) return persist(m);
  finish(m, SessionState::kStopped, "stopped by operator", "");  // waiting to restart
}

// ---- the periodic tick: liveness, status, writes ----

void Supervisor::Impl::tick() {
  std::vector<std::int64_t> ids;
  for (const auto &[id, m] : sessions) ids.push_back(id);
  for (const std::int64_t id : ids) {
    Managed *m = find(id);
    if (m != nullptr && m->process && m->process->attached() && !m->exit_pending) {
      m->process->poll();  // may conclude the session
    }
    m = find(id);
    if (m == nullptr) continue;
    if (m->process && !m->exit_pending) read_status(*m);
    if (m->config_push_pending && redis.connected() && !m->finished) push_config(*m);
    persist(*m);
  }
}

void Supervisor::Impl::read_status(Managed &m) {
  redis.command({"HGETALL", status_key(m.session.source_id)},
                guarded([this, id = m.session.id, generation = m.generation](
                            const rw::control::Reply *reply, const std::string &) {
                  Managed *managed = find(id);
                  if (reply == nullptr || managed == nullptr || managed->generation != generation ||
                      managed->exit_pending || !managed->process) {
                    return;
                  }
                  const auto status = parse_runner_status(rw::control::to_hash(*reply));
                  if (!status || (managed->child_started_ms != 0 &&
                                  !status_is_current(*status, managed->child_started_ms))) {
                    return;
                  }
                  apply_runner_status(managed->session, *status, managed->restarts_before_runner,
                                      managed->spawned_version);
                  managed->published_frames = managed->published_frames || status->frames > 0;
                  persist(*managed);
                }));
}

void Supervisor::Impl::push_config(Managed &m) {
  std::vector<std::string> command = {"HSET", config_key(m.session.source_id)};
  try {
    for (auto &[field, value] : config_hash_fields(m.source)) {
      command.push_back(field);
      command.push_back(value);
    }
  } catch (const std::invalid_argument &e) {  // checked when it was set: not expected
    g_warning("supervisor: source %d: settings not pushed: %s", m.session.source_id, e.what());
    return;
  }
  m.config_push_pending = false;
  redis.command(
      std::move(command),
      guarded([this, id = m.session.id](const rw::control::Reply *reply, const std::string &error) {
        if (reply != nullptr && reply->type != rw::control::Reply::Type::kError) return;
        Managed *managed = find(id);
        if (managed == nullptr) return;
        managed->config_push_pending = true;  // again when Redis is back
        g_warning("supervisor: source %d: new settings not pushed yet: %s",
                  managed->session.source_id,
                  reply != nullptr ? reply->text.c_str() : error.c_str());
      }));
}

void Supervisor::Impl::persist(Managed &m) {
  update_gauges();                // every change of a session passes here
  if (m.write_in_flight) return;  // its completion looks again
  const auto now = std::chrono::steady_clock::now();
  const bool due =
      !m.row_gone &&
      (m.write_failed ||
       write_due(m.written, m.session,
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - m.last_write)));
  if (!due) {
    if (m.finished) sessions.erase(m.session.id);  // its final state is stored
    return;
  }
  m.write_in_flight = true;
  const Session snapshot = m.session;
  session_store::update_session(
      pg, snapshot, guarded([this, snapshot, now](std::variant<std::int64_t, ApiError> outcome) {
        Managed *managed = find(snapshot.id);
        if (managed == nullptr) return;
        managed->write_in_flight = false;
        if (auto *error = std::get_if<ApiError>(&outcome)) {
          if (!managed->write_failed) {
            g_warning("supervisor: session %lld: not written yet: %s",
                      static_cast<long long>(snapshot.id), error->message.c_str());
          }
          managed->write_failed = true;  // the tick tries again
          return;
        }
        managed->write_failed = false;
        if (std::get<std::int64_t>(outcome) == 0) {
          // The row is gone with its source: nobody wants this runner any more.
          managed->row_gone = true;
          if (managed->session.desired_running) return request_stop(*managed);  // persists
        } else {
          managed->written = snapshot;
          managed->last_write = now;
        }
        persist(*managed);
      }));
}

void Supervisor::Impl::update_gauges() {
  std::map<SessionState, int> counts;
  for (const auto &[id, m] : sessions) {
    if (!m->finished) ++counts[m->session.state];
  }
  for (const SessionState state :
       {SessionState::kStarting, SessionState::kRunning, SessionState::kReconnecting}) {
    metrics.gauge("rw_supervisor_sessions", "Sessions that should run, by state",
                  {{"state", std::string(to_string(state))}}) = counts[state];
  }
}

// ---- a server restart ----

void Supervisor::Impl::recover() {
  session_store::load_unfinished_sessions(
      pg, guarded([this](std::variant<std::vector<Session>, ApiError> loaded) {
        if (auto *error = std::get_if<ApiError>(&loaded)) {
          g_warning("supervisor: cannot take over running sessions yet: %s; retrying",
                    error->message.c_str());
          return schedule_recovery();
        }
        for (const Session &session : std::get<std::vector<Session>>(loaded)) {
          if (find(session.id) == nullptr) recover_session(session);
        }
      }));
}

void Supervisor::Impl::schedule_recovery() {
  if (recovery_timer != 0) return;
  recovery_timer = add_timeout_ms(
      kRecoveryRetry,
      [](gpointer data) {
        auto *impl = static_cast<Impl *>(data);
        impl->recovery_timer = 0;
        impl->recover();
        return gboolean(G_SOURCE_REMOVE);
      },
      this, nullptr);
}

void Supervisor::Impl::recover_session(const Session &session) {
  const bool ours = session.pid && process_alive(*session.pid) && [&] {
    const auto argv = read_proc_strings(*session.pid, "cmdline");
    return argv && is_runner_of_session(*argv, config.runner, session.id);
  }();
  if (!session.desired_running) {
    // Stopped by the operator while the server was down or going down: end its runner as a
    // stop does (SIGTERM, SIGKILL after the timeout), or just record the end.
    Managed &m = adopt(session, SourceConfig{});
    if (ours) {
      attach(m, *session.pid);
      return request_stop(m);
    }
    return finish(m, SessionState::kStopped, "stopped by operator", "");
  }
  session_store::load_source(
      pg, session.source_id,
      guarded([this, session, ours](std::variant<SourceConfig, ApiError> loaded) {
        if (find(session.id) != nullptr) return;
        if (auto *error = std::get_if<ApiError>(&loaded)) {
          g_warning("supervisor: session %lld: %s", static_cast<long long>(session.id),
                    error->message.c_str());
          if (error->status == 503) schedule_recovery();  // again when the database is back
          return;
        }
        Managed &m = adopt(session, std::get<SourceConfig>(loaded));
        if (ours) return attach(m, *session.pid);
        m.restarts_before_runner = session.restarts + 1;
        m.session.restarts = m.restarts_before_runner;
        m.session.state = SessionState::kStarting;
        m.session.reason = "restarted after a server restart: its runner was gone";
        m.session.pid.reset();
        restarts_total += 1;
        spawn(m);
      }));
}

}  // namespace rw::server
