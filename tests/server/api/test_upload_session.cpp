#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/upload_session.hpp"

namespace rw::server {
namespace {

namespace fs = std::filesystem;
constexpr const char *kBoundary = "b0undary";

// A temporary videos/ directory per test.
class UploadSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rw-upload-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  fs::path dir_;
};

// An MP4 head (ftyp box) followed by filler: what the signature check needs.
std::string mp4(std::size_t size) {
  std::string bytes(
      "\x00\x00\x00\x20"
      "ftypisom\x00\x00\x02\x00isomiso2avc1mp41",
      32);
  bytes.resize(size, '\x5a');
  return bytes;
}

std::string body(const std::string &file, const std::string &fields = "") {
  const std::string b = kBoundary;
  return fields + "--" + b +
         "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"../x.mp4\"\r\n\r\n" +
         file + "\r\n--" + b + "--\r\n";
}

std::string field(const std::string &name, const std::string &value) {
  return "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"\r\n\r\n" + value + "\r\n";
}

TEST_F(UploadSessionTest, StreamsTheFileUnderAServerChosenName) {
  const std::string file = mp4(100000);
  const std::string request = body(file, field("name", "Clip") + field("speed_limit", "50"));
  UploadSession upload(dir_.string(), 1 << 20, kBoundary);
  for (std::size_t at = 0; at < request.size(); at += 4096) {
    ASSERT_FALSE(upload.feed(std::string_view(request).substr(at, 4096)));
  }
  auto finished = upload.finish();
  ASSERT_TRUE(std::holds_alternative<UploadSession::Stored>(finished))
      << std::get<ApiError>(finished).message;
  auto stored = std::get<UploadSession::Stored>(finished);
  close(stored.fd);
  EXPECT_EQ(stored.size_bytes, file.size());
  EXPECT_EQ(stored.settings.name, "Clip");
  EXPECT_EQ(stored.settings.speed_limit_kmh, nlohmann::json(50.0));
  EXPECT_EQ(fs::path(stored.final_path).parent_path(), dir_);
  EXPECT_EQ(fs::path(stored.final_path).extension(), ".mp4");
  EXPECT_EQ(fs::path(stored.temp_path).filename().string().front(), '.');
  std::ifstream in(stored.temp_path, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(written, file);
  struct stat info {};
  ASSERT_EQ(stat(stored.temp_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(UploadSessionTest, ShortVideosAreJudgedWhenTheirPartEnds) {
  UploadSession upload(dir_.string(), 1 << 20, kBoundary);
  ASSERT_FALSE(upload.feed(body(mp4(100))));
  auto finished = upload.finish();
  ASSERT_TRUE(std::holds_alternative<UploadSession::Stored>(finished));
  close(std::get<UploadSession::Stored>(finished).fd);
  EXPECT_EQ(std::get<UploadSession::Stored>(finished).size_bytes, 100u);
}

TEST_F(UploadSessionTest, NotAVideoIs415AndNoFileIsCreated) {
  UploadSession upload(dir_.string(), 1 << 20, kBoundary);
  const std::string request = body(std::string(5000, 'x'));
  const auto error = upload.feed(request);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 415);
  EXPECT_EQ(files(), 0u);

  UploadSession empty(dir_.string(), 1 << 20, kBoundary);
  const auto zero_length = empty.feed(body(""));  // judged when its part ends
  ASSERT_TRUE(zero_length);
  EXPECT_EQ(zero_length->status, 415);
  EXPECT_EQ(files(), 0u);
}

TEST_F(UploadSessionTest, TooLargeIs413AndThePartialFileIsRemoved) {
  UploadSession upload(dir_.string(), 50000, kBoundary);
  const std::string request = body(mp4(60000));
  std::optional<ApiError> error;
  std::size_t at = 0;
  for (; at < request.size() && !error; at += 8192) {
    error = upload.feed(std::string_view(request).substr(at, 8192));
    if (!error && at > 0) {
      EXPECT_EQ(files(), 1u);  // being written
    }
  }
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 413);
  EXPECT_EQ(files(), 0u);
}

TEST_F(UploadSessionTest, AnUnfinishedUploadLeavesNothingBehind) {
  {
    UploadSession upload(dir_.string(), 1 << 20, kBoundary);
    ASSERT_FALSE(upload.feed(body(mp4(20000)).substr(0, 10000)));  // the client went away
    EXPECT_EQ(files(), 1u);
  }
  EXPECT_EQ(files(), 0u);
}

TEST_F(UploadSessionTest, FieldErrorsAndAMissingFileAre400) {
  UploadSession bad_field(dir_.string(), 1 << 20, kBoundary);
  ASSERT_FALSE(bad_field.feed(body(mp4(2000), field("speed_limit", "fast"))));
  EXPECT_EQ(std::get<ApiError>(bad_field.finish()).status, 400);
  EXPECT_EQ(files(), 0u);

  UploadSession no_file(dir_.string(), 1 << 20, kBoundary);
  ASSERT_FALSE(no_file.feed(field("name", "x") + "--" + kBoundary + "--"));
  const ApiError error = std::get<ApiError>(no_file.finish());
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.message.find("'video'"), std::string::npos);

  UploadSession truncated(dir_.string(), 1 << 20, kBoundary);
  ASSERT_FALSE(truncated.feed(body(mp4(2000)).substr(0, 1500)));
  EXPECT_EQ(std::get<ApiError>(truncated.finish()).status, 400);
  EXPECT_EQ(files(), 0u);
}

}  // namespace
}  // namespace rw::server
