#pragma once

// The known-truth scene of the speed test: a dual carriageway seen from 12 m up, with real
// vehicles (cut from the shared highway clips) driving both ways at constant speeds from
// 30 to 130 km/h. Pure OpenCV: no GLib, no GStreamer.

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "road_scene.hpp"
#include "vehicle_sprite.hpp"

namespace rw::speedtest {

// Where a sprite comes from: a frame of a shared clip and a tight box around one vehicle.
struct SpriteSource {
  const char *clip;  // file name in the shared media folder
  int frame;         // 0-based decoded frame index
  cv::Rect box;      // bottom edge on the tyres' contact with the road
  double width_m;    // real width of what the box shows
};

const std::vector<SpriteSource> &sprite_sources();

class HighwayScene {
 public:
  // sprites in the order of sprite_sources().
  explicit HighwayScene(std::vector<Sprite> sprites);

  cv::Mat render(double t_s) const;
  const std::vector<Vehicle> &vehicles() const { return vehicles_; }
  const cv::Matx33d &world_to_image() const { return world_to_image_; }
  const CameraModel &camera() const { return camera_; }
  std::string calibration() const { return calibration_json(camera_, road_); }
  static constexpr double kDurationS = 8.0;

 private:
  CameraModel camera_;
  RoadLayout road_;
  cv::Matx33d world_to_image_;
  cv::Mat background_;
  std::vector<Sprite> sprites_;
  std::vector<Vehicle> vehicles_;
};

}  // namespace rw::speedtest
