#include "redis/redis_async.hpp"

#include <hiredis/adapters/glib.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <deque>
#include <random>
#include <utility>

#include "rw/control/redis_reply.hpp"
#include "rw/publish/backoff.hpp"

namespace rw::server {
namespace {

using Clock = std::chrono::steady_clock;

GSource *add_timeout(GMainContext *context, std::chrono::milliseconds delay, GSourceFunc func,
                     gpointer data) {
  GSource *source = g_timeout_source_new(static_cast<guint>(delay.count()));
  g_source_set_callback(source, func, data, nullptr);
  g_source_attach(source, context);
  return source;
}

void drop_source(GSource *&source) {
  if (source == nullptr) return;
  g_source_destroy(source);
  g_source_unref(source);
  source = nullptr;
}

}  // namespace

// States: kStopped (before start) → kConnecting (TCP connect, then AUTH + CLIENT SETNAME) →
// kReady (commands go out) → on any failure kWaiting (a backoff timer) → kConnecting ...
struct RedisAsync::Impl {
  enum class State { kStopped, kConnecting, kReady, kWaiting };

  // One user command in flight: hiredis hands it back exactly once, with a reply or with null
  // when the connection goes away.
  struct Pending {
    Impl *impl;
    Callback callback;
  };

  Impl(rw::publish::RedisEndpoint endpoint_in, std::string name_in, GMainContext *context_in)
      : endpoint(std::move(endpoint_in)),
        name(std::move(name_in)),
        context(context_in),
        backoff({std::chrono::milliseconds(100), std::chrono::milliseconds(5000), 0.5},
                std::random_device{}()) {}

  rw::publish::RedisEndpoint endpoint;
  std::string name;
  GMainContext *context;
  rw::publish::Backoff backoff;

  State state = State::kStopped;
  std::string last_error;
  redisAsyncContext *ac = nullptr;
  GSource *io_source = nullptr;      // hiredis' GLib adapter source for ac
  GSource *retry_timer = nullptr;    // kWaiting
  GSource *connect_timer = nullptr;  // bounds kConnecting (hiredis 0.14 async has none)
  GSource *failure_idle = nullptr;   // delivers `failures` outside command()
  bool freeing = false;              // redisAsyncFree() called by us: its callbacks are ours
  bool was_up = false;               // logs the loss of a working connection once, loudly
  std::string handshake_error;       // first error reply to AUTH / CLIENT SETNAME
  std::deque<std::pair<Callback, std::string>> failures;
  std::vector<std::function<void()>> connected_callbacks;

  void connect();
  void lost(std::string error);
  void handshake_done();
  void fail_later(Callback callback, std::string error);
  void free_context();

  static void on_connect(const redisAsyncContext *ac, int status);
  static void on_disconnect(const redisAsyncContext *ac, int status);
  static void on_handshake_reply(redisAsyncContext *ac, void *reply, void *privdata);
  static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);
  static void on_cleanup(void *data);
  static gboolean on_retry(gpointer data);
  static gboolean on_connect_timeout(gpointer data);
  static gboolean on_failure_idle(gpointer data);
};

void RedisAsync::Impl::connect() {
  state = State::kConnecting;
  handshake_error.clear();
  redisAsyncContext *context_ptr = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
  if (context_ptr == nullptr) {
    lost("cannot allocate a redis context");
    return;
  }
  if (context_ptr->err != 0) {  // refused at once (loopback), bad address ...
    std::string error = context_ptr->errstr;
    redisAsyncFree(context_ptr);
    lost(std::move(error));
    return;
  }
  ac = context_ptr;
  ac->data = this;
  io_source = redis_source_new(ac);
  ac->ev.cleanup = on_cleanup;  // wraps the adapter's: see on_cleanup
  g_source_attach(io_source, context);
  // The adapter must be attached first: setting the connect callback arms the write watch.
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  connect_timer = add_timeout(context, endpoint.connect_timeout, on_connect_timeout, this);
}

// The connection is gone (or never came): fail what waits, and try again after a backoff delay.
void RedisAsync::Impl::lost(std::string error) {
  state = State::kWaiting;
  last_error = std::move(error);
  ac = nullptr;
  drop_source(connect_timer);
  const std::chrono::milliseconds delay = backoff.next();
  if (was_up) {
    was_up = false;
    g_warning("redis %s: connection lost (%s); reconnecting", name.c_str(), last_error.c_str());
  } else {
    g_debug("redis %s: cannot connect (%s); retrying in %lld ms", name.c_str(), last_error.c_str(),
            static_cast<long long>(delay.count()));
  }
  drop_source(retry_timer);
  retry_timer = add_timeout(context, delay, on_retry, this);
}

void RedisAsync::Impl::handshake_done() {
  if (!handshake_error.empty()) {
    last_error = handshake_error;
    redisAsyncDisconnect(ac);  // clean close; on_disconnect schedules the retry
    return;
  }
  drop_source(connect_timer);
  state = State::kReady;
  was_up = true;
  last_error.clear();
  backoff.reset();
  g_message("redis %s: connected to %s:%d", name.c_str(), endpoint.host.c_str(), endpoint.port);
  // A callback may register another; iterate by index over the ones present now.
  const std::size_t count = connected_callbacks.size();
  for (std::size_t i = 0; i < count && state == State::kReady; ++i) connected_callbacks[i]();
}

void RedisAsync::Impl::fail_later(Callback callback, std::string error) {
  failures.emplace_back(std::move(callback), std::move(error));
  if (failure_idle != nullptr) return;
  failure_idle = g_idle_source_new();
  g_source_set_callback(failure_idle, on_failure_idle, this, nullptr);
  g_source_attach(failure_idle, context);
}

// redisAsyncFree() runs every pending callback with a null reply, the cleanup hook and, for a
// connected context, the disconnect callback; `freeing` tells them the caller handles it.
void RedisAsync::Impl::free_context() {
  if (ac == nullptr) return;
  freeing = true;
  redisAsyncFree(ac);
  freeing = false;
  ac = nullptr;
}

void RedisAsync::Impl::on_connect(const redisAsyncContext *ac, int status) {
  auto *self = static_cast<Impl *>(ac->data);
  if (status != REDIS_OK) {
    self->lost(ac->errstr);  // hiredis frees the context when this returns
    return;
  }
  auto *context_ptr = const_cast<redisAsyncContext *>(ac);
  if (!self->endpoint.password.empty()) {
    const char *argv[] = {"AUTH", self->endpoint.password.c_str()};
    const std::size_t lens[] = {4, self->endpoint.password.size()};
    redisAsyncCommandArgv(context_ptr, on_handshake_reply, nullptr, 2, argv, lens);
  }
  const char *argv[] = {"CLIENT", "SETNAME", self->name.c_str()};
  const std::size_t lens[] = {6, 7, self->name.size()};
  // privdata marks the last handshake reply.
  redisAsyncCommandArgv(context_ptr, on_handshake_reply, self, 3, argv, lens);
}

void RedisAsync::Impl::on_handshake_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  auto *self = static_cast<Impl *>(ac->data);
  if (reply == nullptr || self->freeing) return;  // the connection went away: on_disconnect
  const auto *r = static_cast<const redisReply *>(reply);
  if (r->type == REDIS_REPLY_ERROR && self->handshake_error.empty()) {
    self->handshake_error.assign(r->str, r->len);
  }
  if (privdata != nullptr) self->handshake_done();
}

void RedisAsync::Impl::on_disconnect(const redisAsyncContext *ac, int status) {
  auto *self = static_cast<Impl *>(ac->data);
  if (self->freeing) return;
  std::string error = status == REDIS_OK && !self->last_error.empty() ? self->last_error
                      : ac->errstr[0] != '\0'                         ? ac->errstr
                                                                      : "connection closed";
  self->lost(std::move(error));
}

void RedisAsync::Impl::on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
  Impl *self = pending->impl;
  if (self->freeing && self->state == State::kStopped) return;  // ~RedisAsync: nobody to tell
  if (reply == nullptr) {
    // The first of the pending callbacks hiredis fails while it frees the context: commands
    // issued from here on must fail too, not go to a dying context.
    if (self->state == State::kReady) self->state = State::kWaiting;
    const std::string why = ac->errstr[0] != '\0' ? ac->errstr : "connection closed";
    pending->callback(nullptr, "redis connection lost: " + why);
    return;
  }
  const rw::control::Reply converted = rw::control::to_reply(*static_cast<redisReply *>(reply));
  pending->callback(&converted, std::string());
}

// hiredis calls this while it frees the context, possibly from inside the adapter's dispatch,
// which goes on to test revents for a read after a failed write: clearing revents keeps it from
// touching the freed context. The source itself goes away with the context.
void RedisAsync::Impl::on_cleanup(void *data) {
  auto *source = static_cast<RedisSource *>(data);
  auto *self = static_cast<Impl *>(source->ac->data);
  redis_source_cleanup(data);
  source->poll_fd.revents = 0;
  drop_source(self->io_source);
}

gboolean RedisAsync::Impl::on_retry(gpointer data) {
  auto *self = static_cast<Impl *>(data);
  g_source_unref(self->retry_timer);
  self->retry_timer = nullptr;
  self->connect();
  return G_SOURCE_REMOVE;
}

gboolean RedisAsync::Impl::on_connect_timeout(gpointer data) {
  auto *self = static_cast<Impl *>(data);
  g_source_unref(self->connect_timer);
  self->connect_timer = nullptr;
  self->free_context();
  self->lost("connect timed out after " + std::to_string(self->endpoint.connect_timeout.count()) +
             " ms");
  return G_SOURCE_REMOVE;
}

gboolean RedisAsync::Impl::on_failure_idle(gpointer data) {
  auto *self = static_cast<Impl *>(data);
  g_source_unref(self->failure_idle);
  self->failure_idle = nullptr;
  // Failures queued by these callbacks get a new idle source, so this loop ends.
  std::deque<std::pair<Callback, std::string>> due;
  due.swap(self->failures);
  for (auto &[callback, error] : due) callback(nullptr, error);
  return G_SOURCE_REMOVE;
}

RedisAsync::RedisAsync(rw::publish::RedisEndpoint endpoint, std::string name, GMainContext *context)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(name), context)) {}

RedisAsync::~RedisAsync() {
  impl_->state = Impl::State::kStopped;  // pending callbacks are dropped, not called
  drop_source(impl_->retry_timer);
  drop_source(impl_->connect_timer);
  drop_source(impl_->failure_idle);
  impl_->free_context();
}

void RedisAsync::start() {
  if (impl_->state == Impl::State::kStopped) impl_->connect();
}

bool RedisAsync::connected() const {
  return impl_->state == Impl::State::kReady;
}

const std::string &RedisAsync::last_error() const {
  return impl_->last_error;
}

void RedisAsync::command(std::vector<std::string> argv, Callback cb) {
  if (argv.empty()) {
    impl_->fail_later(std::move(cb), "empty redis command");
    return;
  }
  if (impl_->state != Impl::State::kReady) {
    impl_->fail_later(std::move(cb), impl_->last_error.empty()
                                         ? "redis not connected"
                                         : "redis not connected: " + impl_->last_error);
    return;
  }
  std::vector<const char *> args;
  std::vector<std::size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string &arg : argv) {
    args.push_back(arg.data());
    lens.push_back(arg.size());
  }
  auto pending = std::make_unique<Impl::Pending>(Impl::Pending{impl_.get(), std::move(cb)});
  if (redisAsyncCommandArgv(impl_->ac, Impl::on_reply, pending.get(), static_cast<int>(args.size()),
                            args.data(), lens.data()) != REDIS_OK) {
    impl_->fail_later(std::move(pending->callback), "redis connection is closing");
    return;
  }
  pending.release();  // hiredis owns it until on_reply
}

void RedisAsync::on_connected(std::function<void()> callback) {
  impl_->connected_callbacks.push_back(std::move(callback));
}

}  // namespace rw::server
