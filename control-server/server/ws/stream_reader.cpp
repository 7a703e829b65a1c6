#include "ws/stream_reader.hpp"

#include <chrono>
#include <memory>
#include <utility>

#include "rw/common/error.hpp"
#include "rw/publish/streams.hpp"

namespace rw::server {
namespace {

using rw::control::Reply;

constexpr const char *kBlockMs = "1000";         // a read returns at least once a second
constexpr const char *kEntriesPerStream = "50";  // per XREAD (frames: the stream's own MAXLEN)
constexpr guint kRetryDelayMs = 1000;            // after an error reply

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The id of the newest entry in an XREVRANGE ... COUNT 1 reply; "0-0" for an empty or missing
// stream (every later entry is new); empty for anything else.
std::string newest_id(const Reply &reply) {
  if (reply.type != Reply::Type::kArray) return "";
  if (reply.elements.empty()) return "0-0";
  const Reply &entry = reply.elements.front();
  if (entry.type != Reply::Type::kArray || entry.elements.empty()) return "";
  return entry.elements.front().text;
}

}  // namespace

StreamReader::StreamReader(rw::publish::RedisEndpoint endpoint, std::string key_prefix,
                           RedisAsync &control, GMainContext *context, Metrics &metrics,
                           EntryHandler on_entry)
    : key_prefix_(std::move(key_prefix)),
      control_(control),
      reader_(std::move(endpoint), "roadwatch-server:ws-reader", context),
      context_(context),
      on_entry_(std::move(on_entry)),
      read_lag_ms_(metrics.gauge("rw_ws_redis_read_lag_ms",
                                 "Age of the newest stream entry the WebSocket reader got, when "
                                 "it got it, in milliseconds")),
      read_errors_(metrics.counter("rw_ws_redis_read_errors_total",
                                   "XREAD calls of the WebSocket reader that failed")) {
  reader_.on_connected([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    reader_client_id_.clear();
    reader_.command({"CLIENT", "ID"}, [this, alive](const Reply *reply, const std::string &) {
      if (alive.expired() || reply == nullptr || reply->type != Reply::Type::kInteger) return;
      reader_client_id_ = std::to_string(reply->integer);
      read();
    });
  });
  control_.on_connected([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    for (auto &[stream_key, stream] : streams_) {
      if (stream.last_id.empty() && !stream.positioning) position(stream_key);
    }
  });
}

StreamReader::~StreamReader() {
  if (retry_timer_ != nullptr) {
    g_source_destroy(retry_timer_);
    g_source_unref(retry_timer_);
  }
}

void StreamReader::start() {
  reader_.start();
}

std::string StreamReader::key(const Channel &channel) const {
  const std::string source = std::to_string(channel.source_id);
  return channel.kind == ChannelKind::kFrames ? rw::publish::frames_key(key_prefix_, source)
                                              : rw::publish::analytics_key(key_prefix_, source);
}

void StreamReader::want(const Channel &channel, std::function<void()> positioned) {
  const std::string stream_key = key(channel);
  auto it = streams_.find(stream_key);
  if (it == streams_.end()) {
    it = streams_.emplace(stream_key, Stream{channel, "", next_generation_++, false, {}}).first;
  }
  if (!it->second.last_id.empty()) {
    positioned();
    return;
  }
  it->second.waiting.push_back(std::move(positioned));
  if (!it->second.positioning) position(stream_key);
}

void StreamReader::unwant(const Channel &channel) {
  const auto it = streams_.find(key(channel));
  if (it == streams_.end()) return;
  // Acknowledge waiting subscriptions before the unsubscription that ends them.
  std::vector<std::function<void()>> waiting = std::move(it->second.waiting);
  streams_.erase(it);
  for (auto &callback : waiting) callback();
}

void StreamReader::position(const std::string &stream_key) {
  Stream &stream = streams_.at(stream_key);
  stream.positioning = true;
  control_.command(
      {"XREVRANGE", stream_key, "+", "-", "COUNT", "1"},
      [this, alive = std::weak_ptr<bool>(alive_), stream_key, generation = stream.generation](
          const Reply *reply, const std::string &error) {
        if (alive.expired()) return;
        const auto it = streams_.find(stream_key);
        if (it == streams_.end() || it->second.generation != generation) return;
        Stream &positioned = it->second;
        positioned.positioning = false;
        positioned.last_id = reply != nullptr ? newest_id(*reply) : "";
        // Failed before a (re)connection that has happened since: on_connected skipped it.
        if (reply == nullptr && control_.connected()) {
          position(stream_key);
          return;
        }
        if (positioned.last_id.empty()) {
          g_warning("ws: cannot find the end of %s (%s); trying again when Redis is back",
                    stream_key.c_str(), reply != nullptr ? reply->text.c_str() : error.c_str());
        }
        std::vector<std::function<void()>> waiting = std::move(positioned.waiting);
        positioned.waiting.clear();
        if (!positioned.last_id.empty()) {
          if (reading_) {
            unblock_reader();
          } else {
            read();
          }
        }
        for (auto &callback : waiting) callback();
      });
}

void StreamReader::unblock_reader() {
  if (reader_client_id_.empty()) return;
  control_.command({"CLIENT", "UNBLOCK", reader_client_id_},
                   [](const Reply *, const std::string &) {});
}

void StreamReader::read() {
  if (reading_ || !reader_.connected() || reader_client_id_.empty() || retry_timer_ != nullptr) {
    return;
  }
  std::vector<std::string> argv = {"XREAD", "COUNT",  kEntriesPerStream,
                                   "BLOCK", kBlockMs, "STREAMS"};
  std::vector<std::string> ids;
  for (const auto &[stream_key, stream] : streams_) {
    if (stream.last_id.empty()) continue;
    argv.push_back(stream_key);
    ids.push_back(stream.last_id);
  }
  if (ids.empty()) return;
  argv.insert(argv.end(), ids.begin(), ids.end());
  reading_ = true;
  reader_.command(std::move(argv), [this, alive = std::weak_ptr<bool>(alive_)](
                                       const Reply *reply, const std::string &error) {
    if (alive.expired()) return;
    reading_ = false;
    on_read(reply, error);
  });
}

void StreamReader::on_read(const Reply *reply, const std::string &error) {
  if (reply == nullptr) {  // connection lost: on_connected reads again
    ++read_errors_;
    g_debug("ws: stream read failed: %s", error.c_str());
    return;
  }
  std::vector<ReadStream> streams;
  try {
    if (reply->type == Reply::Type::kError) throw rw::Error(reply->text);
    streams = parse_xread_reply(*reply);
  } catch (const rw::Error &e) {
    ++read_errors_;
    g_warning("ws: stream read failed: %s; retrying in %u ms", e.what(), kRetryDelayMs);
    retry_timer_ = g_timeout_source_new(kRetryDelayMs);
    g_source_set_callback(
        retry_timer_,
        [](gpointer data) -> gboolean {
          auto *self = static_cast<StreamReader *>(data);
          g_source_unref(self->retry_timer_);
          self->retry_timer_ = nullptr;
          self->read();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(retry_timer_, context_);
    return;
  }
  for (const ReadStream &stream : streams) {
    const auto it = streams_.find(stream.key);
    if (it == streams_.end() || it->second.last_id.empty() || stream.entries.empty()) continue;
    // Handlers may unsubscribe (and so erase the stream): no reference into streams_ below.
    it->second.last_id = stream.entries.back().id;
    const Channel channel = it->second.channel;
    if (const auto newest = entry_time_ms(stream.entries.back().id)) {
      read_lag_ms_ = static_cast<double>(now_ms() - *newest);
    }
    for (const ReadEntry &entry : stream.entries) on_entry_(channel, entry);
  }
  read();
}

}  // namespace rw::server
