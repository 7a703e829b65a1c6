// roadwatch-run templates: placeholders, defaults, comments, quoting that gst_parse_launch
// reads back verbatim, and every unknown or missing variable named in one error.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "template.hpp"

namespace {

using rw::run::PipelineTemplate;
using rw::run::TemplateError;

std::string error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const TemplateError &e) {
    return e.what();
  }
  return "";
}

TEST(RunTemplate, ExpandsQuotedValuesAndDefaults) {
  const auto t = PipelineTemplate::parse(
      "filesrc location=${INPUT} ! yolodetect interval=${INTERVAL:-0} ! "
      "redissink source-id=${SOURCE_ID} password=${PASSWORD:-}");
  ASSERT_EQ(t.variables().size(), 4u);
  EXPECT_EQ(t.variables()[0].name, "INPUT");
  EXPECT_FALSE(t.variables()[0].fallback);
  EXPECT_EQ(t.variables()[1].fallback, "0");
  EXPECT_EQ(t.variables()[3].fallback, "");
  const auto resolved = t.resolve({{"INPUT", "/clips/a b.mp4"}, {"SOURCE_ID", "cam-1"}});
  EXPECT_EQ(t.expand(resolved),
            "filesrc location=\"/clips/a b.mp4\" ! yolodetect interval=\"0\" ! "
            "redissink source-id=\"cam-1\" password=\"\"");
}

TEST(RunTemplate, QuotesWhatWouldChangeThePipeline) {
  EXPECT_EQ(rw::run::quote_value("a ! b=c"), "\"a ! b=c\"");
  EXPECT_EQ(rw::run::quote_value(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(rw::run::quote_value(""), "\"\"");
  // A value that looks like a placeholder stays itself: one pass.
  const auto t = PipelineTemplate::parse("x=${A}");
  EXPECT_EQ(t.expand(t.resolve({{"A", "${B}"}})), "x=\"${B}\"");
}

TEST(RunTemplate, CommentLinesAreDropped) {
  const auto t =
      PipelineTemplate::parse("# a ${COMMENTED} line\nfakesrc !\n  # indented\nfakesink");
  EXPECT_TRUE(t.variables().empty());
  EXPECT_EQ(t.expand({}), "fakesrc !\nfakesink");
}

TEST(RunTemplate, RepeatedVariablesShareOneValueAndDefault) {
  const auto t = PipelineTemplate::parse("a=${UNITS} b=${UNITS:-kmh} c=${UNITS:-kmh}");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_EQ(t.expand(t.resolve({})), "a=\"kmh\" b=\"kmh\" c=\"kmh\"");
  EXPECT_NE(error_of([] { PipelineTemplate::parse("${A:-1} ${A:-2}"); }).find("two different"),
            std::string::npos);
}

TEST(RunTemplate, MalformedPlaceholders) {
  EXPECT_NE(error_of([] { PipelineTemplate::parse("x=${INPUT"); }).find("unclosed"),
            std::string::npos);
  EXPECT_NE(error_of([] { PipelineTemplate::parse("x=${input}"); }).find("bad variable name"),
            std::string::npos);
  EXPECT_NE(error_of([] { PipelineTemplate::parse("x=${1A}"); }).find("bad variable name"),
            std::string::npos);
  EXPECT_NO_THROW(PipelineTemplate::parse("x=$HOME y=$"));  // only ${ starts a placeholder
}

// Every problem at once, with the template's variables to choose from.
TEST(RunTemplate, UnknownAndMissingVariablesAreOneError) {
  const auto t = PipelineTemplate::parse("a=${INPUT} b=${MODEL} c=${INTERVAL:-0}");
  const std::string error = error_of([&] { t.resolve({{"INPTU", "x"}, {"MODEL", "m"}}); });
  EXPECT_NE(error.find("unknown variable INPTU"), std::string::npos) << error;
  EXPECT_NE(error.find("missing variable INPUT"), std::string::npos) << error;
  EXPECT_EQ(error.find("MODEL ("), std::string::npos) << error;
  EXPECT_NE(error.find("variables are: INPUT, MODEL, INTERVAL"), std::string::npos) << error;
}

// The runner's own variables are allowed whether the template uses them or not.
TEST(RunTemplate, AlsoKnownVariablesPassThrough) {
  const auto t = PipelineTemplate::parse("a=${INPUT}");
  const auto resolved = t.resolve({{"INPUT", "x"}, {"REDIS_PORT", "7000"}}, {"REDIS_PORT"});
  EXPECT_EQ(resolved.at("REDIS_PORT"), "7000");
  EXPECT_EQ(t.expand(resolved), "a=\"x\"");
}

}  // namespace
