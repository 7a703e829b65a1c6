#include <gtest/gtest.h>

#include "api/access.hpp"
#include "api/tokens.hpp"

namespace rw::server {
namespace {

constexpr const char *kOperatorToken = "op-0123456789abcdef";
constexpr const char *kViewerToken = "view-0123456789abcdef";

TokenTable tokens() {
  auto parsed = TokenTable::parse(
      "# roles\nop-0123456789abcdef operator alice\n\nview-0123456789abcdef viewer  # bob\n",
      "tokens.txt");
  EXPECT_TRUE(std::holds_alternative<TokenTable>(parsed));
  return std::get<TokenTable>(parsed);
}

std::string parse_error(std::string_view text) {
  auto parsed = TokenTable::parse(text, "RW_SERVER_TOKENS");
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

AccessPolicy auth_on() {
  return {true, tokens(), {"http://127.0.0.1:8686"}};
}

std::string bearer(const char *token) {
  return std::string("Bearer ") + token;
}

TEST(Tokens, ParsesRolesNamesAndComments) {
  const TokenTable table = tokens();
  EXPECT_EQ(table.size(), 2u);
  const auto op = table.find(kOperatorToken);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->role, Role::kOperator);
  EXPECT_EQ(op->name, "alice");
  const auto viewer = table.find(kViewerToken);
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->role, Role::kViewer);
  EXPECT_EQ(viewer->name, "token-4");  // named after its line
  EXPECT_FALSE(table.find("op-0123456789abcde"));
  EXPECT_FALSE(table.find(""));
}

TEST(Tokens, SemicolonsSeparateEntriesInTheEnvironmentVariable) {
  auto parsed = TokenTable::parse("aaaaaaaaaaaaaaaa viewer a; bbbbbbbbbbbbbbbb operator b", "env");
  ASSERT_TRUE(std::holds_alternative<TokenTable>(parsed));
  EXPECT_EQ(std::get<TokenTable>(parsed).find("bbbbbbbbbbbbbbbb")->role, Role::kOperator);
}

TEST(Tokens, RejectsMalformedEntries) {
  EXPECT_NE(parse_error("short viewer").find("16 to 256"), std::string::npos);
  EXPECT_NE(parse_error("aaaaaaaaaaaaaaaa admin").find("unknown role 'admin'"), std::string::npos);
  EXPECT_NE(parse_error("aaaaaaaaaaaaaaaa").find("RW_SERVER_TOKENS:1"), std::string::npos);
  EXPECT_NE(parse_error("aaaaaaaa\"aaaaaaaa viewer").find("16 to 256"), std::string::npos);
  EXPECT_NE(parse_error("aaaaaaaaaaaaaaaa viewer\naaaaaaaaaaaaaaaa operator").find("twice"),
            std::string::npos);
  EXPECT_NE(parse_error("aaaaaaaaaaaaaaaa viewer x y").find(":1:"), std::string::npos);
}

TEST(Tokens, MergeRefusesATokenInBothSources) {
  TokenTable table = tokens();
  auto other = std::get<TokenTable>(TokenTable::parse("cccccccccccccccc viewer carol", "env"));
  EXPECT_FALSE(table.merge(other));
  EXPECT_TRUE(table.find("cccccccccccccccc"));
  const auto again = table.merge(other);
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("carol"), std::string::npos);
}

TEST(Access, BearerParsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_FALSE(bearer_token("Basic abc"));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token("Bearerabc"));
  EXPECT_FALSE(bearer_token("Bearer a b"));
}

TEST(Access, WithAuthOnAMissingOrUnknownTokenIs401) {
  const AccessPolicy policy = auth_on();
  const auto missing = decide_access(policy, Need::kView, {});
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->status, 401);

  const std::string unknown = bearer("nope-0123456789abcdef");
  const auto wrong = decide_access(policy, Need::kView, {unknown, {}, {}});
  ASSERT_TRUE(wrong.error);
  EXPECT_EQ(wrong.error->status, 401);

  const auto malformed = decide_access(policy, Need::kView, {"Basic Zm9vOmJhcg==", {}, {}});
  ASSERT_TRUE(malformed.error);
  EXPECT_EQ(malformed.error->status, 401);
}

TEST(Access, ViewersReadOperatorsDoEverything) {
  const AccessPolicy policy = auth_on();
  const std::string viewer = bearer(kViewerToken);
  const std::string op = bearer(kOperatorToken);

  const auto view = decide_access(policy, Need::kView, {viewer, {}, {}});
  EXPECT_FALSE(view.error);
  EXPECT_EQ(view.principal, "token-4");

  const auto denied = decide_access(policy, Need::kOperate, {viewer, {}, {}});
  ASSERT_TRUE(denied.error);
  EXPECT_EQ(denied.error->status, 403);
  EXPECT_EQ(denied.error->code, "forbidden");

  const auto operate = decide_access(policy, Need::kOperate, {op, {}, {}});
  EXPECT_FALSE(operate.error);
  EXPECT_EQ(operate.principal, "alice");
  EXPECT_FALSE(decide_access(policy, Need::kView, {op, {}, {}}).error);
}

TEST(Access, PublicRoutesNeedNothing) {
  const auto decision = decide_access(auth_on(), Need::kNothing, {{}, "http://evil.example", {}});
  EXPECT_FALSE(decision.error);
}

TEST(Access, BrowserOriginsMustBeAllowedExactly) {
  const AccessPolicy policy = auth_on();
  const std::string op = bearer(kOperatorToken);
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {op, "http://127.0.0.1:8686", {}}).error);
  for (const char *origin : {"http://127.0.0.1:8687", "http://127.0.0.1", "https://127.0.0.1:8686",
                             "null", "http://127.0.0.1:8686/"}) {
    const auto decision = decide_access(policy, Need::kOperate, {op, origin, {}});
    ASSERT_TRUE(decision.error) << origin;
    EXPECT_EQ(decision.error->status, 403) << origin;
  }
}

TEST(Access, WithAuthOffOnlyLoopbackHostsAreAnswered) {
  const AccessPolicy policy{false, tokens(), {}};
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {{}, {}, "127.0.0.1:8686"}).error);
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {{}, {}, "localhost"}).error);
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {{}, {}, "[::1]:8686"}).error);
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {{}, {}, {}}).error);  // HTTP/1.0
  // A viewer token does not limit anyone while auth is off: the header is ignored.
  const std::string viewer = bearer(kViewerToken);
  EXPECT_FALSE(decide_access(policy, Need::kOperate, {viewer, {}, "127.0.0.1"}).error);

  const auto rebound = decide_access(policy, Need::kView, {{}, {}, "attacker.example:8686"});
  ASSERT_TRUE(rebound.error);
  EXPECT_EQ(rebound.error->status, 403);
  // A page elsewhere is refused by its Origin even with a loopback Host.
  const auto page = decide_access(policy, Need::kView, {{}, "http://evil.example", "127.0.0.1"});
  ASSERT_TRUE(page.error);
  EXPECT_EQ(page.error->status, 403);
}

TEST(Access, LoopbackHosts) {
  for (const char *host : {"127.0.0.1", "127.1.2.3:80", "LOCALHOST:8686", "[::1]", "[::1]:1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char *host : {"128.0.0.1", "127.0.0", "127.0.0.1.evil.example", "localhost.evil",
                           "[::2]:80", "[::1", "127.0.0.256", "", "0.0.0.0"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(Access, WebSocketTokens) {
  const AccessPolicy policy = auth_on();
  EXPECT_TRUE(token_allows_viewing(policy, kViewerToken));
  EXPECT_TRUE(token_allows_viewing(policy, kOperatorToken));
  EXPECT_FALSE(token_allows_viewing(policy, "guess-0123456789abcdef"));
  EXPECT_TRUE(token_allows_viewing(AccessPolicy{}, "anything"));
}

TEST(Access, OriginSyntax) {
  EXPECT_FALSE(check_origin_syntax("http://localhost:4200"));
  EXPECT_FALSE(check_origin_syntax("https://dash.example"));
  EXPECT_TRUE(check_origin_syntax("localhost:4200"));
  EXPECT_TRUE(check_origin_syntax("http://localhost:4200/"));
  EXPECT_TRUE(check_origin_syntax("http://Dash.example"));
  EXPECT_TRUE(check_origin_syntax("http://"));
  EXPECT_TRUE(check_origin_syntax("ftp://x"));
}

}  // namespace
}  // namespace rw::server
