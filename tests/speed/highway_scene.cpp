#include "highway_scene.hpp"

#include <algorithm>
#include <stdexcept>

namespace rw::speedtest {
namespace {

constexpr double kMpsPerKmh = 1.0 / 3.6;
// A vehicle is drawn while its ground point is at least this far ahead of the camera.
constexpr double kMinDrawY_m = 5.0;

}  // namespace

const std::vector<SpriteSource> &sprite_sources() {
  // Vehicles YOLOX-Nano finds with scores of 0.7-0.85 in those frames; each box's bottom edge
  // checked on the row profile to lie where the dark band of tyres and shadow meets the road
  // (within a pixel). The first four face the camera, the last three drive away from it.
  static const std::vector<SpriteSource> sources = {
      {"highway-1280x720.mp4", 0, {289, 478, 125, 93}, 2.0},   // white saloon
      {"highway-1280x720.mp4", 240, {669, 382, 83, 65}, 2.0},  // dark saloon
      {"highway-1280x720.mp4", 240, {356, 409, 93, 78}, 2.0},  // silver saloon
      {"highway-1280x720.mp4", 120, {531, 325, 72, 52}, 2.2},  // dark pickup
      {"highway-640x360.mp4", 60, {132, 169, 54, 41}, 2.4},    // dark estate
      {"highway-640x360.mp4", 60, {211, 120, 42, 31}, 2.3},    // blue hatchback
      {"highway-640x360.mp4", 200, {247, 106, 37, 28}, 2.4},   // white SUV
  };
  return sources;
}

HighwayScene::HighwayScene(std::vector<Sprite> sprites)
    : world_to_image_(speedtest::world_to_image(camera_)),
      background_(render_road(camera_, road_, 20240601)),
      sprites_(std::move(sprites)) {
  if (sprites_.size() != sprite_sources().size()) {
    throw std::invalid_argument("HighwayScene needs one sprite per sprite source");
  }
  const double left_inner = lane_centre_x_m(road_, -1, 0),
               left_outer = lane_centre_x_m(road_, -1, 1);
  const double right_inner = lane_centre_x_m(road_, 1, 0),
               right_outer = lane_centre_x_m(road_, 1, 1);
  // {sprite, lane x, y at t = 0, signed speed}: towards the camera on the left, away on the
  // right; no vehicle catches up with another in its lane within the scene.
  const auto at = [](double y_m, double t_s, double kmh) { return y_m - kmh * kMpsPerKmh * t_s; };
  vehicles_ = {
      {0, left_inner, 110.0, -120 * kMpsPerKmh},
      {1, left_outer, 80.0, -30 * kMpsPerKmh},
      {2, left_inner, at(110.0, 3.0, -90), -90 * kMpsPerKmh},
      {3, left_outer, at(105.0, 4.5, -70), -70 * kMpsPerKmh},
      {4, right_inner, 15.0, 100 * kMpsPerKmh},
      {5, right_outer, 25.0, 40 * kMpsPerKmh},
      {6, right_inner, at(15.0, 3.5, 130), 130 * kMpsPerKmh},
      {4, right_outer, at(15.0, 5.0, 80), 80 * kMpsPerKmh},
  };
}

cv::Mat HighwayScene::render(double t_s) const {
  cv::Mat frame = background_.clone();
  std::vector<const Vehicle *> order;
  for (const Vehicle &v : vehicles_) {
    if (v.ground_m(t_s).y >= kMinDrawY_m) order.push_back(&v);
  }
  // Far to near, so nearer vehicles hide farther ones.
  std::sort(order.begin(), order.end(), [t_s](const Vehicle *a, const Vehicle *b) {
    return a->ground_m(t_s).y > b->ground_m(t_s).y;
  });
  for (const Vehicle *v : order)
    draw_sprite(frame, sprites_[v->sprite], world_to_image_, v->ground_m(t_s));
  return frame;
}

}  // namespace rw::speedtest
