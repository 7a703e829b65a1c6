#include "point_pairs.hpp"

#include <charconv>
#include <cmath>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "rw/common/error.hpp"

namespace rw::calibrate {
namespace {

using nlohmann::json;

constexpr double kMetresPerFoot = 0.3048;  // as parse_calibration converts "units": "feet"

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool parse_number(std::string_view text, double &value) {
  text = trim(text);
  if (text.empty()) return false;
  const char *end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc() && stop == end && std::isfinite(value);
}

// "a,b" -> point; false unless exactly two finite numbers.
bool parse_point(std::string_view text, cv::Point2d &point) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  return parse_number(text.substr(0, comma), point.x) &&
         parse_number(text.substr(comma + 1), point.y);
}

// Shortest text that reads back to the same double (nlohmann's number formatting).
std::string number(double value) {
  return json(value).dump();
}

void write_rows(std::ostringstream &out, const char *key, const std::vector<cv::Point2d> &rows) {
  out << "  \"" << key << "\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << (i ? ",\n    [" : "\n    [") << number(rows[i].x) << ", " << number(rows[i].y) << "]";
  }
  out << "\n  ]";
}

void write_matrix(std::ostringstream &out, const char *key, const cv::Matx33d &m) {
  out << "  \"" << key << "\": [";
  for (int r = 0; r < 3; ++r) {
    out << (r ? ",\n    [" : "\n    [") << number(m(r, 0)) << ", " << number(m(r, 1)) << ", "
        << number(m(r, 2)) << "]";
  }
  out << "\n  ]";
}

}  // namespace

PointPair parse_pair(std::string_view text) {
  PointPair pair;
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || !parse_point(text.substr(0, equals), pair.image_px) ||
      !parse_point(text.substr(equals + 1), pair.world_m)) {
    throw Error("--pair \"" + std::string(text) +
                "\": expected u,v=x,y (image pixels = world metres, finite numbers), e.g. "
                "--pair 320,240=3.5,12");
  }
  return pair;
}

std::string pairs_to_json(const std::vector<PointPair> &pairs) {
  json image = json::array(), world = json::array();
  for (const PointPair &p : pairs) {
    image.push_back({p.image_px.x, p.image_px.y});
    world.push_back({p.world_m.x, p.world_m.y});
  }
  return json{{"image_points", image}, {"world_points", world}}.dump();
}

CalibrationPairs pairs_from_json(std::string_view json_text, std::string_view origin) {
  const std::string where = "calibration " + std::string(origin) + ": ";
  try {
    const json doc = json::parse(json_text);
    const double scale_m = doc.value("units", std::string("metres")) == "feet" ? kMetresPerFoot : 1;
    const json none = json::array();
    const json &image = doc.contains("image_points") ? doc.at("image_points") : none;
    const json &world = doc.contains("world_points") ? doc.at("world_points") : none;
    if (image.size() != world.size()) throw Error(where + "image and world points do not pair up");
    CalibrationPairs result;
    result.homography_given = doc.contains("homography");
    for (std::size_t i = 0; i < image.size(); ++i) {
      result.pairs.push_back(
          {{image[i].at(0).get<double>(), image[i].at(1).get<double>()},
           {world[i].at(0).get<double>() * scale_m, world[i].at(1).get<double>() * scale_m}});
    }
    return result;
  } catch (const json::exception &e) {
    throw Error(where + "cannot read the point pairs: " + e.what());
  }
}

std::string calibration_to_json(const rw::geometry::Calibration &calibration,
                                const std::vector<PointPair> &pairs) {
  std::ostringstream out;
  out << "{\n";
  if (!pairs.empty()) {
    std::vector<cv::Point2d> image, world;
    for (const PointPair &p : pairs) {
      image.push_back(p.image_px);
      world.push_back(p.world_m);
    }
    write_rows(out, "image_points", image);
    out << ",\n";
    write_rows(out, "world_points", world);
    out << ",\n";
  }
  write_matrix(out, "homography", calibration.image_to_world);
  if (calibration.camera_matrix) {
    out << ",\n";
    write_matrix(out, "camera_matrix", *calibration.camera_matrix);
    if (!calibration.dist_coeffs.empty()) {
      out << ",\n  \"dist_coeffs\": [";
      for (std::size_t i = 0; i < calibration.dist_coeffs.size(); ++i) {
        out << (i ? ", " : "") << number(calibration.dist_coeffs[i]);
      }
      out << "]";
    }
  }
  out << "\n}\n";
  return out.str();
}

}  // namespace rw::calibrate
