// roadwatch-run arguments, the plan made from them (keys, Redis endpoint, live or file) and
// the rebuild backoff schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "options.hpp"
#include "plan.hpp"
#include "template.hpp"

namespace {

using namespace std::chrono_literals;
using rw::run::Options;
using rw::run::parse_options;
using rw::run::UsageError;

std::string usage_error(const std::vector<std::string> &args) {
  try {
    parse_options(args);
  } catch (const UsageError &e) {
    return e.what();
  }
  return "";
}

TEST(RunOptions, ParsesEveryOption) {
  const Options o = parse_options({"--template", "t.pipeline",
                                   "--set",      "A=1",
                                   "--set",      "B=x=y",
                                   "--set",      "C=",
                                   "--live",     "--stall-timeout-s",
                                   "4",          "--eos-timeout-s",
                                   "3",          "--status-interval-ms",
                                   "200",        "--config-interval-ms",
                                   "100",        "--status-ttl-s",
                                   "5",          "--backoff-initial-ms",
                                   "250",        "--backoff-max-ms",
                                   "2000"});
  EXPECT_EQ(o.template_path, "t.pipeline");
  EXPECT_EQ(o.values.at("A"), "1");
  EXPECT_EQ(o.values.at("B"), "x=y");
  EXPECT_EQ(o.values.at("C"), "");
  EXPECT_TRUE(o.live);
  EXPECT_EQ(o.stall_timeout, 4s);
  EXPECT_EQ(o.eos_timeout, 3s);
  EXPECT_EQ(o.status_interval, 200ms);
  EXPECT_EQ(o.config_interval, 100ms);
  EXPECT_EQ(o.status_ttl, 5s);
  EXPECT_EQ(o.backoff_initial, 250ms);
  EXPECT_EQ(o.backoff_max, 2000ms);
}

// --set-env takes a variable from the environment (a secret kept off the command line); a
// variable the environment lacks is a usage error naming it.
TEST(RunOptions, SetEnvReadsTheEnvironment) {
  ASSERT_EQ(setenv("RW_TEST_SECRET", "s3 cret=", 1), 0);
  ASSERT_EQ(setenv("RW_TEST_EMPTY", "", 1), 0);
  const Options o = parse_options(
      {"--template", "t", "--set-env", "RW_TEST_SECRET", "--set-env", "RW_TEST_EMPTY"});
  EXPECT_EQ(o.values.at("RW_TEST_SECRET"), "s3 cret=");
  EXPECT_EQ(o.values.at("RW_TEST_EMPTY"), "");
  unsetenv("RW_TEST_SECRET");
  EXPECT_NE(usage_error({"--template", "t", "--set-env", "RW_TEST_SECRET"})
                .find("--set-env RW_TEST_SECRET: no such variable"),
            std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--set-env", ""}).find("no such variable"),
            std::string::npos);
  unsetenv("RW_TEST_EMPTY");
}

TEST(RunOptions, Defaults) {
  const Options o = parse_options({"--template", "t"});
  EXPECT_FALSE(o.live);
  EXPECT_EQ(o.stall_timeout, 10s);
  EXPECT_EQ(o.status_interval, 1000ms);
  EXPECT_EQ(o.status_ttl, 10s);
  EXPECT_EQ(o.backoff_initial, 1000ms);
  EXPECT_EQ(o.backoff_max, 30000ms);
  EXPECT_TRUE(parse_options({"--help"}).help);
}

TEST(RunOptions, BadArguments) {
  EXPECT_NE(usage_error({}).find("--template FILE is required"), std::string::npos);
  EXPECT_NE(usage_error({"--template"}).find("needs a value"), std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--set", "NOVALUE"}).find("KEY=VALUE"),
            std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--set", "=v"}).find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--stall-timeout-s", "0"}).find("from 1"),
            std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--stall-timeout-s", "5s"}).find("'5s'"),
            std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--frobnicate", "1"}).find("unknown option"),
            std::string::npos);
  EXPECT_NE(usage_error({"--template", "t", "--status-ttl-s", "1"}).find("expires"),
            std::string::npos);
}

TEST(RunOptions, LiveWhenAskedOrForNonFileUris) {
  const Options file = parse_options({"--template", "t"});
  EXPECT_FALSE(rw::run::is_live(file, {{"INPUT", "clip.mp4"}}));
  EXPECT_FALSE(rw::run::is_live(file, {{"URI", "file:///clips/a.mp4"}}));
  EXPECT_TRUE(rw::run::is_live(file, {{"URI", "rtsp://cam/stream"}}));
  EXPECT_TRUE(rw::run::is_live(file, {{"URI", "http://cam/mjpeg"}}));
  EXPECT_TRUE(rw::run::is_live(parse_options({"--template", "t", "--live"}), {}));
}

// 1 s doubling to 30 s, each delay in the top fifth below its base.
TEST(RunOptions, RebuildBackoffSchedule) {
  rw::publish::Backoff backoff(rw::run::rebuild_backoff(parse_options({"--template", "t"})), 7);
  const long long bases[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (const long long base : bases) {
    const long long delay = backoff.next().count();
    EXPECT_LE(delay, base);
    EXPECT_GE(delay, base * 8 / 10);
  }
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 1000);
}

TEST(RunPlan, KeysEndpointAndDescription) {
  const Options o =
      parse_options({"--template", "t", "--set", "SOURCE_ID=cam 1", "--set", "INPUT=a.mp4", "--set",
                     "REDIS_PORT=7001", "--set", "KEY_PREFIX=rw"});
  const rw::run::Plan plan = rw::run::make_plan(o, "filesrc location=${INPUT} ! fakesink");
  EXPECT_EQ(plan.description, "filesrc location=\"a.mp4\" ! fakesink");
  EXPECT_FALSE(plan.live);
  EXPECT_EQ(plan.source_id, "cam 1");
  EXPECT_EQ(plan.redis.host, "127.0.0.1");
  EXPECT_EQ(plan.redis.port, 7001);
  EXPECT_EQ(plan.status_key, "rw:cam 1:status");
  EXPECT_EQ(plan.config_key, "rw:cam 1:config");
}

TEST(RunPlan, TemplateDefaultsFeedTheRunnerToo) {
  const Options o = parse_options({"--template", "t", "--set", "SOURCE_ID=c"});
  const auto plan = rw::run::make_plan(
      o, "x host=${REDIS_HOST:-redis.local} port=${REDIS_PORT:-6380} k=${KEY_PREFIX:-p}");
  EXPECT_EQ(plan.redis.host, "redis.local");
  EXPECT_EQ(plan.redis.port, 6380);
  EXPECT_EQ(plan.status_key, "p:c:status");
}

TEST(RunPlan, Errors) {
  const auto plan_error = [](const std::vector<std::string> &sets) -> std::string {
    std::vector<std::string> args = {"--template", "t"};
    for (const std::string &s : sets) args.insert(args.end(), {"--set", s});
    try {
      rw::run::make_plan(parse_options(args), "x=${SOURCE_ID:-}");
    } catch (const std::exception &e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(plan_error({}).find("SOURCE_ID is required"), std::string::npos);
  EXPECT_NE(plan_error({"SOURCE_ID=a", "REDIS_PORT=http"}).find("REDIS_PORT"), std::string::npos);
  EXPECT_NE(plan_error({"SOURCE_ID=a", "REDIS_PORT=70000"}).find("REDIS_PORT"), std::string::npos);
  EXPECT_EQ(plan_error({"SOURCE_ID=a", "REDIS_PORT=6379"}), "");
}

}  // namespace
