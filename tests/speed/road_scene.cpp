#include "road_scene.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/imgproc.hpp>

namespace rw::speedtest {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRasterMPerPx = 0.03;  // top-down road raster
constexpr double kRasterHalfWidthM = 40.0;
constexpr int kSupersample = 2;
constexpr double kLineWidthM = 0.15;

const cv::Scalar kAsphalt(92, 94, 97), kConcrete(150, 152, 155), kGrass(62, 112, 74),
    kPaint(228, 230, 232), kSky(215, 205, 200);

// Raster column/row centre -> world metres.
cv::Matx33d raster_to_world(const RoadLayout &road) {
  return {kRasterMPerPx, 0, -kRasterHalfWidthM, 0, kRasterMPerPx, road.near_m, 0, 0, 1};
}

int raster_col(double x_m) {
  return static_cast<int>(std::lround((x_m + kRasterHalfWidthM) / kRasterMPerPx));
}

int raster_row(const RoadLayout &road, double y_m) {
  return static_cast<int>(std::lround((y_m - road.near_m) / kRasterMPerPx));
}

// Adds smooth blotches (amplitude about `amount`) and fine grain to a region.
void texture(cv::Mat &region, double amount, double grain, cv::RNG &rng) {
  cv::Mat coarse(std::max(2, region.rows / 60), std::max(2, region.cols / 60), CV_32F);
  rng.fill(coarse, cv::RNG::NORMAL, 0, amount);
  cv::Mat smooth, fine(region.size(), CV_32F);
  cv::resize(coarse, smooth, region.size(), 0, 0, cv::INTER_CUBIC);
  rng.fill(fine, cv::RNG::NORMAL, 0, grain);
  cv::Mat noise = smooth + fine, noise3, base;
  cv::merge(std::vector<cv::Mat>{noise, noise, noise}, noise3);
  region.convertTo(base, CV_32FC3);
  cv::Mat(base + noise3).convertTo(region, CV_8UC3);
}

void solid_line(cv::Mat &raster, const RoadLayout &road, double x_m) {
  const int half = std::max(1, static_cast<int>(std::lround(kLineWidthM / kRasterMPerPx / 2)));
  cv::rectangle(raster, cv::Point(raster_col(x_m) - half, 0),
                cv::Point(raster_col(x_m) + half, raster_row(road, road.far_m)), kPaint,
                cv::FILLED);
}

void dashed_line(cv::Mat &raster, const RoadLayout &road, double x_m) {
  const int half = std::max(1, static_cast<int>(std::lround(kLineWidthM / kRasterMPerPx / 2)));
  for (double y = road.near_m; y < road.far_m; y += road.dash_m + road.gap_m) {
    cv::rectangle(raster, cv::Point(raster_col(x_m) - half, raster_row(road, y)),
                  cv::Point(raster_col(x_m) + half, raster_row(road, y + road.dash_m)), kPaint,
                  cv::FILLED);
  }
}

cv::Mat road_raster(const RoadLayout &road, std::uint32_t seed) {
  const int cols = raster_col(kRasterHalfWidthM), rows = raster_row(road, road.far_m);
  cv::Mat raster(rows, cols, CV_8UC3, kGrass);
  cv::RNG rng(seed);
  texture(raster, 10, 9, rng);
  const double edge_m =
      road.median_half_width_m + road.lanes_per_side * road.lane_width_m + road.shoulder_m;
  const cv::Rect paved(raster_col(-edge_m), 0, raster_col(edge_m) - raster_col(-edge_m), rows);
  cv::Mat asphalt = raster(paved);
  asphalt.setTo(kAsphalt);
  texture(asphalt, 5, 7, rng);
  const double m = road.median_half_width_m;
  cv::Mat median = raster(cv::Rect(raster_col(-m), 0, raster_col(m) - raster_col(-m), rows));
  median.setTo(kConcrete);
  texture(median, 3, 5, rng);
  for (const int side : {-1, 1}) {
    solid_line(raster, road, side * (m + 0.3));
    solid_line(raster, road, side * (m + road.lanes_per_side * road.lane_width_m));
    for (int lane = 1; lane < road.lanes_per_side; ++lane) {
      dashed_line(raster, road, side * (m + lane * road.lane_width_m));
    }
  }
  return raster;
}

}  // namespace

cv::Matx33d world_to_image(const CameraModel &camera) {
  const double theta = camera.pitch_deg * kPi / 180.0, f = camera.focal_px, h = camera.height_m;
  const double c = std::cos(theta), s = std::sin(theta);
  const double cx = 0.5 * (camera.size_px.width - 1), cy = 0.5 * (camera.size_px.height - 1);
  // u w = f x + cx z_c, v w = f y_c + cy z_c, w = z_c with the camera's down axis
  // y_c = h cos - y sin and its forward axis z_c = y cos + h sin.
  return {f, cx * c, cx * h * s, 0, cy * c - f * s, f * h * c + cy * h * s, 0, c, h * s};
}

cv::Point2d project(const cv::Matx33d &h, cv::Point2d world_m) {
  const cv::Vec3d q = h * cv::Vec3d(world_m.x, world_m.y, 1.0);
  return {q[0] / q[2], q[1] / q[2]};
}

double lateral_px_per_m(const cv::Matx33d &h, cv::Point2d world_m) {
  return cv::norm(project(h, world_m + cv::Point2d(0.5, 0)) -
                  project(h, world_m - cv::Point2d(0.5, 0)));
}

double lane_centre_x_m(const RoadLayout &road, int side, int lane) {
  return side * (road.median_half_width_m + (lane + 0.5) * road.lane_width_m);
}

cv::Mat render_road(const CameraModel &camera, const RoadLayout &road, std::uint32_t seed) {
  // Pixel centre u of the output is 2u + 0.5 in the supersampled image.
  const double k = kSupersample;
  const cv::Matx33d to_supersampled(k, 0, 0.5 * (k - 1), 0, k, 0.5 * (k - 1), 0, 0, 1);
  const cv::Matx33d raster_to_image =
      to_supersampled * world_to_image(camera) * raster_to_world(road);
  cv::Mat big, image;
  cv::warpPerspective(road_raster(road, seed), big, cv::Mat(raster_to_image),
                      camera.size_px * kSupersample, cv::INTER_LINEAR, cv::BORDER_CONSTANT, kSky);
  cv::resize(big, image, camera.size_px, 0, 0, cv::INTER_AREA);
  return image;
}

std::string calibration_json(const CameraModel &camera, const RoadLayout &road) {
  // Corners a surveyor would mark: the carriageway edges and lane lines at several distances.
  const double edge = road.median_half_width_m + road.lanes_per_side * road.lane_width_m;
  const double lane = road.median_half_width_m + road.lane_width_m;
  const cv::Point2d world[] = {{-edge, 30}, {edge, 30}, {-edge, 90}, {edge, 90},
                               {-lane, 45}, {lane, 60}, {-lane, 75}, {lane, 40}};
  const cv::Matx33d h = world_to_image(camera);
  std::string image_points, world_points;
  for (const cv::Point2d &w : world) {
    const cv::Point2d p = project(h, w);
    char text[96];
    // A user reads pixels to a hundredth at best: the calibration is not exact.
    std::snprintf(text, sizeof text, "%s[%.2f, %.2f]", image_points.empty() ? "" : ", ", p.x, p.y);
    image_points += text;
    std::snprintf(text, sizeof text, "%s[%.2f, %.2f]", world_points.empty() ? "" : ", ", w.x, w.y);
    world_points += text;
  }
  return R"({"image_points": [)" + image_points + R"(], "world_points": [)" + world_points + "]}";
}

}  // namespace rw::speedtest
