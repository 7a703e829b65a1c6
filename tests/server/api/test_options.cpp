#include <gtest/gtest.h>

#include "app/options.hpp"

namespace rw::server {
namespace {

const ServerDefaults kDefaults{"/repo/pipelines", "/repo/control-server/migrations",
                               "/build/roadwatch-run", "/build/plugins", "/models/yolox_nano.onnx"};

ServerOptions parse(std::vector<std::string> args) {
  return parse_server_options(args, kDefaults);
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError &e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError";
  return {};
}

TEST(ServerOptions, Defaults) {
  const ServerOptions options = parse({});
  EXPECT_EQ(options.bind, "127.0.0.1");
  EXPECT_EQ(options.port, 8686);
  EXPECT_EQ(options.max_upload_mb, 2048u);
  EXPECT_EQ(options.redis.port, 6379);
  EXPECT_EQ(options.key_prefix, "roadwatch");
  EXPECT_EQ(options.templates_dir, "/repo/pipelines");
  EXPECT_EQ(options.runner, "/build/roadwatch-run");
  EXPECT_EQ(options.model, "/models/yolox_nano.onnx");
  EXPECT_TRUE(options.pg_conninfo.empty());
  EXPECT_FALSE(auth_required(options));
  EXPECT_FALSE(options.burn_overlays);  // the dashboard draws the overlay itself
}

TEST(ServerOptions, BothSpellingsOfValues) {
  const ServerOptions options =
      parse({"--port", "0", "--bind=0.0.0.0", "--redis-port=7000", "--allow-origin",
             "http://localhost:4200", "--allow-origin=https://dash.example", "--require-auth",
             "--pg", "host=/tmp port=5433", "--max-upload-mb", "10", "--web-root", "web"});
  EXPECT_EQ(options.port, 0);
  EXPECT_EQ(options.bind, "0.0.0.0");
  EXPECT_EQ(options.redis.port, 7000);
  EXPECT_EQ(options.allow_origins,
            (std::vector<std::string>{"http://localhost:4200", "https://dash.example"}));
  EXPECT_TRUE(options.require_auth);
  EXPECT_EQ(options.pg_conninfo, "host=/tmp port=5433");
  EXPECT_EQ(options.max_upload_mb, 10u);
  EXPECT_EQ(options.web_root, "web");
  EXPECT_TRUE(parse({"--burn-overlays"}).burn_overlays);
}

TEST(ServerOptions, AuthIsRequiredBeyondLoopback) {
  EXPECT_FALSE(auth_required(parse({"--bind", "127.0.0.2"})));
  EXPECT_FALSE(auth_required(parse({"--bind", "::1"})));
  EXPECT_FALSE(auth_required(parse({"--bind", "localhost"})));
  EXPECT_TRUE(auth_required(parse({"--bind", "0.0.0.0"})));
  EXPECT_TRUE(auth_required(parse({"--bind", "192.168.1.10"})));
  EXPECT_TRUE(auth_required(parse({"--bind", "::"})));
  EXPECT_TRUE(auth_required(parse({"--require-auth"})));
  EXPECT_EQ(parse({"--bind", "localhost"}).bind, "127.0.0.1");
}

TEST(ServerOptions, BadArgumentsNameTheProblem) {
  EXPECT_NE(usage_error({"--port", "70000"}).find("--port"), std::string::npos);
  EXPECT_NE(usage_error({"--port", "80a"}).find("'80a'"), std::string::npos);
  EXPECT_NE(usage_error({"--port"}).find("needs a value"), std::string::npos);
  EXPECT_NE(usage_error({"--bind", "my-host"}).find("IP address"), std::string::npos);
  EXPECT_NE(usage_error({"--frobnicate"}).find("unknown option --frobnicate"), std::string::npos);
  EXPECT_NE(usage_error({"serve"}).find("unexpected argument 'serve'"), std::string::npos);
  EXPECT_NE(usage_error({"--max-upload-mb", "0"}).find("--max-upload-mb"), std::string::npos);
  EXPECT_NE(usage_error({"--allow-origin", "localhost:4200"}).find("http://"), std::string::npos);
  EXPECT_NE(usage_error({"--key-prefix", "a b"}).find("--key-prefix"), std::string::npos);
  EXPECT_NE(usage_error({"--data-dir="}).find("needs a value"), std::string::npos);
}

TEST(ServerOptions, HelpListsEveryOptionWithItsDefault) {
  EXPECT_TRUE(parse({"--help"}).help);
  const std::string usage = server_usage(kDefaults);
  for (const char *option :
       {"--bind", "--port", "--data-dir", "--redis-host", "--redis-port", "--redis-password",
        "--key-prefix", "--pg", "--tokens-file", "--require-auth", "--allow-origin",
        "--max-upload-mb", "--model", "--templates-dir", "--migrations-dir", "--runner",
        "--plugin-dir", "--web-root", "--help"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
  EXPECT_NE(usage.find("--burn-overlays"), std::string::npos);
  EXPECT_NE(usage.find("/build/roadwatch-run"), std::string::npos);
}

}  // namespace
}  // namespace rw::server
