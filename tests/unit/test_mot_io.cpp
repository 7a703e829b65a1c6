// MOTChallenge file reading and writing.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "mot_io.hpp"
#include "rw/common/error.hpp"

namespace rw::mot {
namespace {

std::vector<MotRecord> parse(const std::string &text) {
  std::istringstream input(text);
  return parse_mot(input, "fixture.txt");
}

// The message of the rw::Error that parsing text throws, or "" when it does not throw.
std::string parse_error(const std::string &text) {
  try {
    parse(text);
  } catch (const rw::Error &e) {
    return e.what();
  }
  return "";
}

TEST(MotIo, ParsesDetectionAndGroundTruthLines) {
  const auto records = parse(
      "1,-1,1691.97,381.048,152.23,352.617,0.995616,-1,-1,-1\n"  // det.txt
      "\n"
      "1,2,223,181,36,104,1,-1.407,9.0212,0.68774\r\n"  // ETH gt, CRLF
      "6,1,750,166,21.118,48.313,0,-1,-1,-1\n"          // gt flag 0
      "3, 4, 1, 2, 3, 4, -1\n");                        // MOT15 flag -1, spaces
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].frame, 1);
  EXPECT_EQ(records[0].id, -1);
  EXPECT_FLOAT_EQ(records[0].box.x1, 1691.97f);
  EXPECT_FLOAT_EQ(records[0].box.y1, 381.048f);
  EXPECT_FLOAT_EQ(records[0].box.x2, 1691.97f + 152.23f);
  EXPECT_FLOAT_EQ(records[0].box.y2, 381.048f + 352.617f);
  EXPECT_FLOAT_EQ(records[0].score, 0.995616f);
  EXPECT_EQ(records[1].id, 2);
  EXPECT_TRUE(is_evaluated(records[1]));
  EXPECT_EQ(records[2].frame, 6);
  EXPECT_FALSE(is_evaluated(records[2]));
  EXPECT_EQ(records[3].id, 4);
  EXPECT_FLOAT_EQ(records[3].box.y2, 6.0f);
  EXPECT_TRUE(is_evaluated(records[3]));
}

TEST(MotIo, MalformedLinesNameFileAndLine) {
  const std::string good = "1,-1,1,2,3,4,0.9\n";
  EXPECT_NE(parse_error(good + good + "1,2,3,4,5,6\n").find("fixture.txt:3: only 6 of 7"),
            std::string::npos);
  EXPECT_NE(parse_error(good + "1,2,abc,4,5,6,1\n").find("fixture.txt:2: a field is not a number"),
            std::string::npos);
  EXPECT_NE(parse_error("1,2,3,4,5,6,7x\n").find("fixture.txt:1:"), std::string::npos);
  EXPECT_NE(parse_error("0,2,3,4,5,6,1\n").find("frame must be"), std::string::npos);
  EXPECT_NE(parse_error("1.5,2,3,4,5,6,1\n").find("frame must be"), std::string::npos);
  EXPECT_NE(parse_error("1,2.5,3,4,5,6,1\n").find("id must be"), std::string::npos);
  EXPECT_NE(parse_error("1,2,3,4,-5,6,1\n").find("negative width"), std::string::npos);
  EXPECT_NE(parse_error("1,2,3,4,nan,6,1\n").find("not a number"), std::string::npos);
}

TEST(MotIo, ResultsRoundTripThroughAFile) {
  const std::string path = testing::TempDir() + "rw_mot_io_results.txt";
  write_mot_results(path, {{3, 7, {10.5f, 20.25f, 40.5f, 80.25f}, 0.3f}});
  const auto records = read_mot_file(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].frame, 3);
  EXPECT_EQ(records[0].id, 7);
  EXPECT_FLOAT_EQ(records[0].box.x1, 10.5f);
  EXPECT_FLOAT_EQ(records[0].box.y2, 80.25f);
  EXPECT_FLOAT_EQ(records[0].score, 1.0f);  // results always carry 1
}

TEST(MotIo, MissingFileIsNamed) {
  try {
    read_mot_file("/nonexistent/det.txt");
    FAIL() << "no error";
  } catch (const rw::Error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/det.txt"), std::string::npos);
  }
}

}  // namespace
}  // namespace rw::mot
