#include "mot_io.hpp"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

#include "rw/common/error.hpp"

namespace rw::mot {
namespace {

constexpr std::size_t kRequiredColumns = 7;  // frame, id, x, y, w, h, score

// Fills numbers with the first comma-separated fields of line; returns how many parsed, or -1
// when one of them is not a number.
int parse_numbers(const std::string &line, std::array<double, kRequiredColumns> &numbers) {
  const char *cursor = line.c_str();
  std::size_t count = 0;
  while (count < numbers.size() && *cursor != '\0') {
    char *end = nullptr;
    errno = 0;
    numbers[count] = std::strtod(cursor, &end);
    if (end == cursor || errno == ERANGE || !std::isfinite(numbers[count])) return -1;
    ++count;
    cursor = end + std::strspn(end, " \t\r");
    if (*cursor == ',') {
      ++cursor;
    } else if (*cursor != '\0') {
      return -1;
    }
  }
  return static_cast<int>(count);
}

bool is_int(double value) {
  return std::floor(value) == value && value >= std::numeric_limits<int>::min() &&
         value <= std::numeric_limits<int>::max();
}

bool is_blank(const std::string &line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

std::vector<MotRecord> parse_mot(std::istream &input, const std::string &source) {
  std::vector<MotRecord> records;
  std::string line;
  for (int line_number = 1; std::getline(input, line); ++line_number) {
    if (is_blank(line)) continue;
    const auto fail = [&](const std::string &what) {
      throw rw::Error(source + ":" + std::to_string(line_number) + ": " + what + " in \"" + line +
                      "\"; expected frame,id,x,y,w,h,score[,...]");
    };
    std::array<double, kRequiredColumns> n{};
    const int count = parse_numbers(line, n);
    if (count < 0) fail("a field is not a number");
    if (static_cast<std::size_t>(count) < kRequiredColumns) {
      fail("only " + std::to_string(count) + " of 7 required columns");
    }
    const auto [frame, id, x, y, w, h, score] = n;
    if (!is_int(frame) || frame < 1) fail("frame must be an integer >= 1");
    if (!is_int(id)) fail("id must be an integer");
    if (w < 0 || h < 0) fail("negative width or height");
    const auto f = [](double value) { return static_cast<float>(value); };
    records.push_back({static_cast<int>(frame),
                       static_cast<int>(id),
                       {f(x), f(y), f(x + w), f(y + h)},
                       f(score)});
  }
  if (input.bad()) throw rw::Error(source + ": read error");
  return records;
}

std::vector<MotRecord> read_mot_file(const std::string &path) {
  std::ifstream file(path);
  if (!file) throw rw::Error(path + ": cannot open (" + std::strerror(errno) + ")");
  return parse_mot(file, path);
}

void write_mot_results(const std::string &path, const std::vector<MotRecord> &records) {
  std::FILE *file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw rw::Error(path + ": cannot create (" + std::strerror(errno) + ")");
  for (const MotRecord &r : records) {
    std::fprintf(file, "%d,%d,%.2f,%.2f,%.2f,%.2f,1,-1,-1,-1\n", r.frame, r.id, r.box.x1, r.box.y1,
                 r.box.width(), r.box.height());
  }
  const bool write_failed = std::ferror(file) != 0;
  if (std::fclose(file) != 0 || write_failed) throw rw::Error(path + ": write error");
}

}  // namespace rw::mot
