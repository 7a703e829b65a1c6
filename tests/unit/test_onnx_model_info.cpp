#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "rw/common/error.hpp"
#include "rw/detect/onnx_model_info.hpp"

namespace rw::detect {
namespace {

const std::string kDataDir = RW_GENERATED_DATA_DIR;  // made by tests/data/make_tiny_onnx.py

std::string read_bytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// A scratch file named after the running test, removed when done.
class TempFile {
 public:
  TempFile()
      : path_(::testing::TempDir() + "rw_onnx_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".onnx") {}
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;

  const std::string &write(const std::string &bytes) {
    std::remove(path_.c_str());  // much faster than truncating on ext4
    std::ofstream(path_, std::ios::binary) << bytes;
    return path_;
  }

 private:
  std::string path_;
};

std::string error_of(const std::string &path) {
  try {
    read_onnx_model_info(path);
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

// Reading must either succeed or throw rw::Error; anything else fails the test.
void expect_no_crash(const std::string &path) {
  try {
    read_onnx_model_info(path);
  } catch (const Error &) {
  }
}

// Hand-made protobuf: a length-delimited field with a short payload.
std::string message(int number, const std::string &payload) {
  return std::string{static_cast<char>(number << 3 | 2), static_cast<char>(payload.size())} +
         payload;
}

const std::string kIrVersion{0x08, 0x08};  // field 1, varint 8

// A model whose only input "x" has the given TensorShapeProto.dim payloads.
std::string model_with_input_dims(const std::vector<std::string> &dims) {
  std::string shape;
  for (const std::string &dim : dims) shape += message(1, dim);
  const std::string value_info = message(1, "x") + message(2, message(1, message(2, shape)));
  return kIrVersion + message(7, message(11, value_info));
}

TEST(OnnxModelInfo, ReadsTinyModelSkippingInitializerInputs) {
  const OnnxModelInfo info = read_onnx_model_info(kDataDir + "/tiny_model.onnx");
  EXPECT_EQ(info.input_name, "images");
  EXPECT_EQ(info.input_shape, (std::vector<std::int64_t>{1, 3, 64, 64}));
}

TEST(OnnxModelInfo, DynamicDimensionIsMinusOne) {
  const OnnxModelInfo info = read_onnx_model_info(kDataDir + "/tiny_model_dynamic.onnx");
  EXPECT_EQ(info.input_name, "images");
  EXPECT_EQ(info.input_shape, (std::vector<std::int64_t>{-1, 3, 64, 64}));
}

TEST(OnnxModelInfo, HandMadeDimensions) {
  TempFile file;
  // dim_value 7, dim_param "n", and a dimension with neither.
  const OnnxModelInfo info = read_onnx_model_info(
      file.write(model_with_input_dims({std::string{0x08, 0x07}, message(2, "n"), ""})));
  EXPECT_EQ(info.input_name, "x");
  EXPECT_EQ(info.input_shape, (std::vector<std::int64_t>{7, -1, -1}));
}

TEST(OnnxModelInfo, NotAModel) {
  const std::string path = kDataDir + "/not_a_model.onnx";
  const std::string error = error_of(path);
  EXPECT_NE(error.find("'" + path + "'"), std::string::npos) << error;
  EXPECT_NE(error.find("not an ONNX model"), std::string::npos) << error;
}

TEST(OnnxModelInfo, MissingOrUnreadableFile) {
  const std::string missing = kDataDir + "/no_such_model.onnx";
  EXPECT_EQ(error_of(missing), "model file '" + missing + "' does not exist");
  EXPECT_EQ(error_of(kDataDir), "model file '" + kDataDir + "' cannot be read");
}

TEST(OnnxModelInfo, EmptyFile) {
  TempFile file;
  EXPECT_NE(error_of(file.write("")).find("not an ONNX model"), std::string::npos);
}

TEST(OnnxModelInfo, WireFormatViolations) {
  TempFile file;
  const auto error = [&](const std::string &bytes) { return error_of(file.write(bytes)); };
  EXPECT_NE(error(kIrVersion + "\x0b").find("not an ONNX model (invalid wire type 3)"),
            std::string::npos);
  EXPECT_NE(error(kIrVersion + "\x3a\x10xy").find("runs past the end"), std::string::npos);
  EXPECT_NE(error(kIrVersion + "\x08\xff").find("truncated varint"), std::string::npos);
  EXPECT_NE(error(message(7, "")).find("no ir_version"), std::string::npos);
  EXPECT_NE(error(kIrVersion).find("no graph"), std::string::npos);
  // A malformed input inside the graph is caught too.
  EXPECT_NE(error(kIrVersion + message(7, message(11, "\x0f"))).find("not an ONNX model"),
            std::string::npos);
}

TEST(OnnxModelInfo, NoGraphInput) {
  TempFile file;
  const std::string path = file.write(kIrVersion + message(7, message(2, "empty")));
  EXPECT_EQ(error_of(path), "'" + path + "' has no graph input");
}

TEST(OnnxModelInfo, TruncatedModel) {
  const std::string model = read_bytes(kDataDir + "/tiny_model.onnx");
  ASSERT_GT(model.size(), 100u);
  TempFile file;
  EXPECT_NE(error_of(file.write(model.substr(0, model.size() / 2))).find("not an ONNX model"),
            std::string::npos);
  for (std::size_t size = 0; size < model.size(); ++size) {
    expect_no_crash(file.write(model.substr(0, size)));
  }
}

TEST(OnnxModelInfo, GarbageNeverCrashes) {
  const std::string model = read_bytes(kDataDir + "/tiny_model.onnx");
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(0, 300);
  std::uniform_int_distribution<std::size_t> position(0, model.size() - 1);
  TempFile file;
  for (int i = 0; i < 1000; ++i) {
    std::string garbage(size(rng), '\0');
    for (char &c : garbage) c = static_cast<char>(byte(rng));
    expect_no_crash(file.write(garbage));

    // Corrupting a real model reaches the nested messages.
    std::string corrupted = model;
    for (int flips = 0; flips < 3; ++flips) corrupted[position(rng)] = static_cast<char>(byte(rng));
    expect_no_crash(file.write(corrupted));
  }
}

}  // namespace
}  // namespace rw::detect
