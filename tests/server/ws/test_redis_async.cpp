// RedisAsync against a real redis-server: binary-safe round trips, error replies, pending
// callbacks on a crash, reconnection, AUTH and CLIENT SETNAME.

#include "redis/redis_async.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.h"
#include "run_until.hpp"

namespace rw::server {
namespace {

using rw::control::Reply;
using rw::test::run_until;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout{5000};

// What one callback saw, and how often it ran.
struct Outcome {
  int calls = 0;
  std::optional<Reply> reply;
  std::string error;

  RedisAsync::Callback callback() {
    return [this](const Reply *r, const std::string &e) {
      ++calls;
      if (r != nullptr) reply = *r;
      error = e;
    };
  }
};

class RedisAsyncTest : public testing::Test {
 protected:
  RedisAsyncTest() : context_(g_main_context_new()) {}
  ~RedisAsyncTest() override { g_main_context_unref(context_); }

  void SetUp() override { ASSERT_TRUE(redis_.start()) << redis_.error(); }

  rw::publish::RedisEndpoint endpoint() const {
    rw::publish::RedisEndpoint e;
    e.port = redis_.port();
    return e;
  }

  // Runs one command to completion.
  Outcome run(RedisAsync &redis, std::vector<std::string> argv) {
    Outcome outcome;
    redis.command(std::move(argv), outcome.callback());
    EXPECT_TRUE(run_until(
        context_, [&] { return outcome.calls > 0; }, kTimeout));
    return outcome;
  }

  bool wait_connected(RedisAsync &redis) {
    return run_until(
        context_, [&] { return redis.connected(); }, kTimeout);
  }

  rw::test::RedisServer redis_;
  GMainContext *context_;
};

std::string all_bytes() {
  std::string bytes;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

TEST_F(RedisAsyncTest, BinaryValuesRoundTripUnchanged) {
  RedisAsync redis(endpoint(), "test", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  const std::string key = std::string("bin\0key\r\n", 9);
  const std::string value = all_bytes();

  const Outcome set = run(redis, {"SET", key, value});
  ASSERT_TRUE(set.reply) << set.error;
  EXPECT_EQ(set.reply->type, Reply::Type::kStatus);
  EXPECT_EQ(set.reply->text, "OK");

  const Outcome get = run(redis, {"GET", key});
  ASSERT_TRUE(get.reply) << get.error;
  EXPECT_EQ(get.reply->type, Reply::Type::kString);
  EXPECT_EQ(get.reply->text.size(), 512u);
  EXPECT_EQ(get.reply->text, value);
  EXPECT_EQ(get.calls, 1);
}

TEST_F(RedisAsyncTest, NestedArraysAndIntegersConvert) {
  RedisAsync redis(endpoint(), "test", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  ASSERT_TRUE(run(redis, {"XADD", "s", "1-1", "jpeg", all_bytes()}).reply);

  const Outcome len = run(redis, {"XLEN", "s"});
  ASSERT_TRUE(len.reply);
  EXPECT_EQ(len.reply->type, Reply::Type::kInteger);
  EXPECT_EQ(len.reply->integer, 1);

  // [[ "s", [[ "1-1", ["jpeg", <bytes>] ]] ]]
  const Outcome read = run(redis, {"XREAD", "COUNT", "10", "STREAMS", "s", "0"});
  ASSERT_TRUE(read.reply);
  ASSERT_EQ(read.reply->type, Reply::Type::kArray);
  const Reply &stream = read.reply->elements.at(0);
  EXPECT_EQ(stream.elements.at(0).text, "s");
  const Reply &entry = stream.elements.at(1).elements.at(0);
  EXPECT_EQ(entry.elements.at(0).text, "1-1");
  EXPECT_EQ(entry.elements.at(1).elements.at(0).text, "jpeg");
  EXPECT_EQ(entry.elements.at(1).elements.at(1).text, all_bytes());

  const Outcome nil = run(redis, {"GET", "missing"});
  ASSERT_TRUE(nil.reply);
  EXPECT_EQ(nil.reply->type, Reply::Type::kNil);
}

TEST_F(RedisAsyncTest, ErrorReplyArrivesAsReplyWithoutError) {
  RedisAsync redis(endpoint(), "test", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  ASSERT_TRUE(run(redis, {"SET", "k", "abc"}).reply);

  const Outcome incr = run(redis, {"INCR", "k"});
  ASSERT_TRUE(incr.reply);
  EXPECT_EQ(incr.reply->type, Reply::Type::kError);
  EXPECT_NE(incr.reply->text.find("not an integer"), std::string::npos) << incr.reply->text;
  EXPECT_EQ(incr.error, "");
  EXPECT_TRUE(redis.connected());  // an error reply leaves the connection usable
  EXPECT_EQ(run(redis, {"PING"}).reply->text, "PONG");
}

TEST_F(RedisAsyncTest, PendingCallbacksFailExactlyOnceWhenRedisDies) {
  RedisAsync redis(endpoint(), "blocked", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  std::vector<Outcome> outcomes(3);
  for (Outcome &outcome : outcomes) redis.command({"BLPOP", "nothing", "30"}, outcome.callback());
  // The first BLPOP blocks the connection inside Redis; the other two wait behind it.
  ASSERT_TRUE(run_until(
      context_,
      [&] {
        return redis_.command({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos;
      },
      kTimeout));

  redis_.kill();
  ASSERT_TRUE(run_until(
      context_,
      [&] { return outcomes[0].calls > 0 && outcomes[1].calls > 0 && outcomes[2].calls > 0; },
      kTimeout));
  EXPECT_FALSE(redis.connected());
  // Still exactly once after Redis is back and the connection is up again.
  ASSERT_TRUE(redis_.start()) << redis_.error();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  for (const Outcome &outcome : outcomes) {
    EXPECT_EQ(outcome.calls, 1);
    EXPECT_FALSE(outcome.reply);
    EXPECT_NE(outcome.error.find("connection lost"), std::string::npos) << outcome.error;
  }
}

TEST_F(RedisAsyncTest, ReconnectsAfterRestartAndRunsOnConnectedEachTime) {
  RedisAsync redis(endpoint(), "test", context_);
  int connects = 0;
  redis.on_connected([&] { ++connects; });
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  EXPECT_EQ(connects, 1);

  redis_.kill();
  ASSERT_TRUE(run_until(
      context_, [&] { return !redis.connected(); }, kTimeout));
  EXPECT_FALSE(redis.last_error().empty());
  ASSERT_TRUE(redis_.start()) << redis_.error();
  ASSERT_TRUE(run_until(
      context_, [&] { return connects == 2; }, kTimeout));
  EXPECT_TRUE(redis.connected());
  EXPECT_EQ(redis.last_error(), "");
  const Outcome ping = run(redis, {"PING"});
  ASSERT_TRUE(ping.reply) << ping.error;
  EXPECT_EQ(ping.reply->text, "PONG");
}

TEST_F(RedisAsyncTest, CommandWhileDownFailsOnTheLoopNotInsideTheCall) {
  RedisAsync redis(endpoint(), "test", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  redis_.kill();
  ASSERT_TRUE(run_until(
      context_, [&] { return !redis.connected(); }, kTimeout));

  Outcome first;
  Outcome second;
  redis.command({"PING"}, first.callback());
  redis.command({"PING"}, second.callback());
  EXPECT_EQ(first.calls, 0);  // never re-entrantly
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      context_, [&] { return second.calls > 0; }, kTimeout));
  // "At once": the next idle dispatch, well before any reconnect attempt could matter.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(first.calls, 1);
  EXPECT_FALSE(first.reply);
  EXPECT_NE(first.error.find("not connected"), std::string::npos) << first.error;
}

TEST_F(RedisAsyncTest, CommandBeforeStartFails) {
  RedisAsync redis(endpoint(), "test", context_);
  Outcome outcome;
  redis.command({"PING"}, outcome.callback());
  ASSERT_TRUE(run_until(
      context_, [&] { return outcome.calls > 0; }, kTimeout));
  EXPECT_FALSE(outcome.reply);
  EXPECT_FALSE(outcome.error.empty());
}

TEST_F(RedisAsyncTest, AuthenticatesAndNamesTheConnection) {
  ASSERT_EQ(redis_.command({"CONFIG", "SET", "requirepass", "s3cret"}), "OK");
  rw::publish::RedisEndpoint with_password = endpoint();
  with_password.password = "s3cret";
  RedisAsync redis(with_password, "roadwatch-server:test", context_);
  redis.start();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
  const Outcome name = run(redis, {"CLIENT", "GETNAME"});
  ASSERT_TRUE(name.reply) << name.error;
  EXPECT_EQ(name.reply->text, "roadwatch-server:test");
}

TEST_F(RedisAsyncTest, WrongPasswordNeverCountsAsConnected) {
  ASSERT_EQ(redis_.command({"CONFIG", "SET", "requirepass", "s3cret"}), "OK");
  rw::publish::RedisEndpoint wrong = endpoint();
  wrong.password = "guess";
  RedisAsync redis(wrong, "test", context_);
  int connects = 0;
  redis.on_connected([&] { ++connects; });
  redis.start();
  ASSERT_TRUE(run_until(
      context_, [&] { return redis.last_error().find("WRONGPASS") != std::string::npos; },
      kTimeout))
      << redis.last_error();
  EXPECT_FALSE(redis.connected());
  EXPECT_EQ(connects, 0);
}

TEST_F(RedisAsyncTest, RefusedConnectionKeepsRetrying) {
  redis_.kill();
  RedisAsync redis(endpoint(), "test", context_);
  redis.start();
  ASSERT_TRUE(run_until(
      context_, [&] { return !redis.last_error().empty(); }, kTimeout));
  EXPECT_FALSE(redis.connected());
  ASSERT_TRUE(redis_.start()) << redis_.error();
  ASSERT_TRUE(wait_connected(redis)) << redis.last_error();
}

}  // namespace
}  // namespace rw::server
