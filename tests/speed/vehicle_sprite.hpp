#pragma once

// Real vehicles cut from a video frame and pasted upright onto a rendered road.
// Pure OpenCV: no GLib, no GStreamer.

#include <cstddef>

#include <opencv2/core.hpp>

namespace rw::speedtest {

struct Sprite {
  cv::Mat bgr;     // a tight crop: its bottom edge is where the tyres touch the road
  double width_m;  // the real width of what the crop shows (body and mirrors)
};

Sprite cut_sprite(const cv::Mat &frame, const cv::Rect &box, double width_m);

// A vehicle at constant velocity along the road.
struct Vehicle {
  std::size_t sprite = 0;
  double x_m = 0;     // lane centre
  double y0_m = 0;    // position along the road at t = 0
  double vy_mps = 0;  // negative: towards the camera
  cv::Point2d ground_m(double t_s) const { return {x_m, y0_m + vy_mps * t_s}; }
  double speed_kmh() const;
};

// Draws the sprite upright with the centre of its bottom edge on the image of ground_m, sized
// so that width_m spans the local pixels per metre across the road. Sub-pixel placement,
// anti-aliased edges.
void draw_sprite(cv::Mat &frame, const Sprite &sprite, const cv::Matx33d &world_to_image,
                 cv::Point2d ground_m);

}  // namespace rw::speedtest
