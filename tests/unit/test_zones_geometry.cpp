// Zone geometry: point in polygon (square, concave, boundary), signed edge distance, and
// crossing directions for hand-made segments.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rw/zones/geometry.hpp"

namespace {

using cv::Point2d;
using rw::zones::crossing_direction;
using rw::zones::point_in_polygon;
using rw::zones::signed_distance_to_line;
using rw::zones::signed_distance_to_polygon_edge;

const std::vector<Point2d> kSquare = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
// A "U": the notch x in (4, 6), y in (0, 8) is outside.
const std::vector<Point2d> kU = {{0, 0}, {4, 0},  {4, 8},   {6, 8},
                                 {6, 0}, {10, 0}, {10, 10}, {0, 10}};

TEST(PolygonGeometry, PointInSquare) {
  EXPECT_TRUE(point_in_polygon({5, 5}, kSquare));
  EXPECT_FALSE(point_in_polygon({15, 5}, kSquare));
  EXPECT_FALSE(point_in_polygon({-0.1, 5}, kSquare));
  EXPECT_FALSE(point_in_polygon({5, 10.1}, kSquare));
}

TEST(PolygonGeometry, BoundaryAndVerticesCountAsInside) {
  EXPECT_TRUE(point_in_polygon({0, 5}, kSquare));
  EXPECT_TRUE(point_in_polygon({10, 5}, kSquare));
  EXPECT_TRUE(point_in_polygon({5, 10}, kSquare));
  EXPECT_TRUE(point_in_polygon({10, 10}, kSquare));
  EXPECT_TRUE(point_in_polygon({0, 0}, kSquare));
}

TEST(PolygonGeometry, ConcavePolygon) {
  EXPECT_TRUE(point_in_polygon({2, 4}, kU));
  EXPECT_TRUE(point_in_polygon({8, 4}, kU));
  EXPECT_TRUE(point_in_polygon({5, 9}, kU));
  EXPECT_FALSE(point_in_polygon({5, 4}, kU));  // in the notch
  // A ray through the vertex (4, 8) at y = 8 must not flip the answer.
  EXPECT_TRUE(point_in_polygon({2, 8}, kU));
  EXPECT_FALSE(point_in_polygon({-1, 8}, kU));
}

TEST(PolygonGeometry, DegeneratePolygonContainsNothing) {
  const std::vector<Point2d> two = {{0, 0}, {10, 0}};
  EXPECT_FALSE(point_in_polygon({5, 0}, two));
}

TEST(PolygonGeometry, SignedDistancePositiveInsideNegativeOutside) {
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({5, 5}, kSquare), 5.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({2, 5}, kSquare), 2.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({13, 5}, kSquare), -3.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({13, 14}, kSquare), -5.0);  // corner: 3-4-5
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({0, 5}, kSquare), 0.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_polygon_edge({5, 4}, kU), -1.0);  // notch, 1 px from walls
}

TEST(LineGeometry, SignedDistanceRightIsPositive) {
  // Line drawn top to bottom at x = 100: its right side is the screen's left half.
  EXPECT_DOUBLE_EQ(signed_distance_to_line({90, 50}, {100, 0}, {100, 200}), 10.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_line({103, 50}, {100, 0}, {100, 200}), -3.0);
  EXPECT_DOUBLE_EQ(signed_distance_to_line({100, 500}, {100, 0}, {100, 200}), 0.0);
}

TEST(SegmentCrossing, DirectionBySide) {
  const Point2d a(100, 0), b(100, 200);
  EXPECT_EQ(crossing_direction({90, 50}, {110, 50}, a, b), 1);   // screen left -> right
  EXPECT_EQ(crossing_direction({110, 50}, {90, 50}, a, b), -1);  // screen right -> left
  // Reversing the line's points reverses the direction.
  EXPECT_EQ(crossing_direction({90, 50}, {110, 50}, b, a), -1);
  // Horizontal line drawn left to right: its right side is below on screen.
  EXPECT_EQ(crossing_direction({5, 12}, {5, 8}, {0, 10}, {10, 10}), 1);  // moving up
}

TEST(SegmentCrossing, MissesAndParallels) {
  const Point2d a(100, 0), b(100, 200);
  EXPECT_FALSE(crossing_direction({90, 250}, {110, 250}, a, b));  // past the end of the segment
  EXPECT_FALSE(crossing_direction({90, 50}, {95, 60}, a, b));     // stays on one side
  EXPECT_FALSE(crossing_direction({90, 0}, {90, 200}, a, b));     // parallel
  EXPECT_FALSE(crossing_direction({100, 10}, {100, 90}, a, b));   // along the line
  EXPECT_FALSE(crossing_direction({90, 50}, {90, 50}, a, b));     // no movement
}

TEST(SegmentCrossing, TouchingRules) {
  const Point2d a(100, 0), b(100, 200);
  // Through the endpoint b: the closed segment counts.
  EXPECT_EQ(crossing_direction({90, 190}, {110, 210}, a, b), 1);
  // Half-open sides: a point on the line belongs to the left side.
  EXPECT_EQ(crossing_direction({90, 50}, {100, 50}, a, b), 1);   // right -> onto the line
  EXPECT_FALSE(crossing_direction({100, 50}, {110, 50}, a, b));  // on the line -> left: same side
  EXPECT_EQ(crossing_direction({100, 50}, {90, 50}, a, b), -1);  // on the line -> right
  EXPECT_FALSE(crossing_direction({110, 50}, {100, 50}, a, b));  // left -> onto the line
}

}  // namespace
