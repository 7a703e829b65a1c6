// Zones config: a good file (pixels and normalised), then one test per rejected input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "rw/common/error.hpp"
#include "rw/zones/config.hpp"

namespace {

using rw::zones::load_zone_config;
using rw::zones::parse_zone_config;
using rw::zones::zone_config_from;
using rw::zones::ZoneConfig;

// Expects parse_zone_config to throw rw::Error whose message contains every fragment.
void expect_error(const std::string &json, std::initializer_list<std::string> fragments) {
  try {
    parse_zone_config(json, "test.json");
    ADD_FAILURE() << "accepted: " << json;
  } catch (const rw::Error &e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("test.json"), std::string::npos) << message;
    for (const std::string &fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos) << message << " lacks " << fragment;
    }
  }
}

TEST(ZoneConfig, LoadsFileInPixels) {
  const std::string path = ::testing::TempDir() + "rw_zones_config.json";
  {
    std::ofstream file(path);
    file << R"({"zones": [{"name": "roi", "polygon": [[10, 20], [300, 20], [300, 400]]}],
               "lines": [{"name": "l1", "points": [[0, 100], [640, 100.5]]}]})";
  }
  const ZoneConfig config = load_zone_config(path);
  std::remove(path.c_str());
  EXPECT_FALSE(config.normalized);
  ASSERT_EQ(config.zones.size(), 1u);
  EXPECT_EQ(config.zones[0].name, "roi");
  ASSERT_EQ(config.zones[0].polygon.size(), 3u);
  EXPECT_EQ(config.zones[0].polygon[2], cv::Point2d(300, 400));
  ASSERT_EQ(config.lines.size(), 1u);
  EXPECT_EQ(config.lines[0].name, "l1");
  EXPECT_EQ(config.lines[0].b, cv::Point2d(640, 100.5));
  // Pixel configs are unchanged by to_pixels.
  EXPECT_EQ(config.to_pixels(1280, 720).zones[0].polygon[1], cv::Point2d(300, 20));
}

// An element's inline zones win over its file; with neither there is no config.
TEST(ZoneConfig, InlineJsonWinsOverTheFile) {
  const std::string inline_json = R"({"lines": [{"name": "inline", "points": [[0, 0], [1, 1]]}]})";
  const auto config = zone_config_from(inline_json, "/nonexistent/zones.json");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->lines[0].name, "inline");
  EXPECT_EQ(zone_config_from("", ""), std::nullopt);
  EXPECT_THROW(zone_config_from("", "/nonexistent/zones.json"), rw::Error);
}

// "none" is an explicit empty config (a source without a region yet), from either property,
// and a real inline config still wins over a "none" file; parse_zone_config keeps rejecting an
// empty config, so a typo cannot pass for "none".
TEST(ZoneConfig, NoneIsAnExplicitEmptyConfig) {
  for (const auto &[inline_json, path] : {std::pair<std::string, std::string>{"none", ""},
                                          {"", "none"},
                                          {"none", "/nonexistent/zones.json"}}) {
    const auto config = zone_config_from(inline_json, path);
    ASSERT_TRUE(config) << inline_json << " / " << path;
    EXPECT_TRUE(config->zones.empty());
    EXPECT_TRUE(config->lines.empty());
    EXPECT_FALSE(config->normalized);
  }
  const std::string gate = R"({"lines": [{"name": "gate", "points": [[0, 0], [1, 1]]}]})";
  EXPECT_EQ(zone_config_from(gate, "none")->lines.size(), 1u);
  EXPECT_THROW(zone_config_from("None", ""), rw::Error);
  EXPECT_THROW(parse_zone_config(R"({"zones": [], "lines": []})", "p"), rw::Error);
}

TEST(ZoneConfig, NormalizedResolvesToPixels) {
  const ZoneConfig config = parse_zone_config(
      R"({"normalized": true, "zones": [{"name": "roi", "polygon": [[0, 0], [0.5, 0.25], [1, 1]]}],
          "lines": [{"name": "l1", "points": [[0.25, 0.5], [0.75, 0.5]]}]})",
      "test.json");
  EXPECT_TRUE(config.normalized);
  const ZoneConfig pixels = config.to_pixels(1280, 720);
  EXPECT_FALSE(pixels.normalized);
  EXPECT_EQ(pixels.zones[0].polygon[0], cv::Point2d(0, 0));
  EXPECT_EQ(pixels.zones[0].polygon[1], cv::Point2d(640, 180));
  EXPECT_EQ(pixels.zones[0].polygon[2], cv::Point2d(1280, 720));
  EXPECT_EQ(pixels.lines[0].a, cv::Point2d(320, 360));
  EXPECT_EQ(pixels.lines[0].b, cv::Point2d(960, 360));
  EXPECT_THROW(config.to_pixels(0, 720), rw::Error);
}

TEST(ZoneConfig, LinesOnlyAndZonesOnlyAreFine) {
  EXPECT_EQ(parse_zone_config(R"({"lines": [{"name": "l", "points": [[0, 0], [1, 1]]}]})", "x")
                .lines.size(),
            1u);
  EXPECT_EQ(
      parse_zone_config(R"({"zones": [{"name": "z", "polygon": [[0, 0], [1, 0], [1, 1]]}]})", "x")
          .zones.size(),
      1u);
}

TEST(ZoneConfig, MissingFileNamesThePath) {
  try {
    load_zone_config("/nonexistent/zones.json");
    FAIL();
  } catch (const rw::Error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/zones.json"), std::string::npos);
  }
}

TEST(ZoneConfig, RejectsMalformedJsonWithPosition) {
  expect_error(R"({"zones": [}")", {"malformed JSON", "line 1, column 12"});
}

TEST(ZoneConfig, RejectsPolygonWithTooFewPoints) {
  expect_error(R"({"zones": [{"name": "roi", "polygon": [[0, 0], [1, 1]]}]})",
               {"roi", "at least 3 points"});
}

TEST(ZoneConfig, RejectsLineWithoutTwoDistinctPoints) {
  expect_error(R"({"lines": [{"name": "l1", "points": [[0, 0], [1, 1], [2, 2]]}]})",
               {"l1", "exactly 2 distinct points"});
  expect_error(R"({"lines": [{"name": "l1", "points": [[5, 5], [5, 5]]}]})",
               {"l1", "exactly 2 distinct points"});
}

TEST(ZoneConfig, RejectsDuplicateNames) {
  expect_error(R"({"zones": [{"name": "a", "polygon": [[0, 0], [1, 0], [1, 1]]}],
                   "lines": [{"name": "a", "points": [[0, 0], [1, 1]]}]})",
               {"\"a\" is used twice"});
}

TEST(ZoneConfig, RejectsNonFiniteNumbers) {
  expect_error(R"({"zones": [{"name": "roi", "polygon": [[0, 0], [1e400, 0], [1, 1]]}]})",
               {"not finite"});
}

TEST(ZoneConfig, RejectsNormalizedOutsideUnitRange) {
  expect_error(
      R"({"normalized": true, "zones": [{"name": "roi", "polygon": [[0, 0], [1.2, 0], [1, 1]]}]})",
      {"roi", "point 1", "outside [0, 1]"});
}

TEST(ZoneConfig, RejectsEmptyConfig) {
  expect_error(R"({})", {"no zones and no lines"});
  expect_error(R"({"zones": [], "lines": []})", {"no zones and no lines"});
}

TEST(ZoneConfig, RejectsWrongShapes) {
  expect_error(R"({"zone": []})", {"unknown key \"zone\""});
  expect_error(R"({"zones": [{"polygon": [[0, 0], [1, 0], [1, 1]]}]})", {"non-empty string"});
  expect_error(R"({"zones": [{"name": "roi", "polygon": [[0, 0], [1, "x"], [1, 1]]}]})",
               {"two numbers"});
  expect_error(R"([1, 2])", {"JSON object"});
}

}  // namespace
