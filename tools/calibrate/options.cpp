#include "options.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <system_error>

#include "rw/common/error.hpp"

namespace rw::calibrate {
namespace {

const std::set<std::string> kValueOptions = {"--frame", "--points",      "--pair",
                                             "--write", "--check-image", "--grid-m"};

bool parse_step(std::string_view text, double &step_m) {
  const char *end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, step_m);
  return error == std::errc() && stop == end && std::isfinite(step_m) && step_m > 0;
}

// "S" (both directions) or "SX,SY".
void parse_grid(const std::string &text, Options &o) {
  const auto comma = text.find(',');
  const bool ok = comma == std::string::npos
                      ? parse_step(text, o.grid_step_x_m) && parse_step(text, o.grid_step_y_m)
                      : parse_step(std::string_view(text).substr(0, comma), o.grid_step_x_m) &&
                            parse_step(std::string_view(text).substr(comma + 1), o.grid_step_y_m);
  if (!ok) {
    throw Error("--grid-m \"" + text +
                "\": expected a positive spacing in metres, or two as ACROSS,ALONG (e.g. "
                "3.66,12.19)");
  }
}

}  // namespace

const char *const kUsage =
    "usage: roadwatch-calibrate --frame FRAME.png (--points CALIB.json | --pair u,v=x,y ...)\n"
    "                           [--write CALIB_OUT.json] [--check-image OUT.png] [--grid-m S]\n"
    "\n"
    "Fits the ground-plane homography (image pixels -> metres) of a camera from 4 or more\n"
    "image/world point pairs and reports how well it fits.\n"
    "\n"
    "  --frame PATH        a frame of the camera (PNG, JPEG ...); points must lie in it\n"
    "  --points PATH       pairs from a calibration JSON (image_points, world_points; see\n"
    "                      rw/geometry/calibration.hpp); a \"homography\" in it is used as given\n"
    "  --pair u,v=x,y      one pair: image pixel u,v = ground point x,y in metres (x across the\n"
    "                      road, y along it); repeat for each pair\n"
    "  --write PATH        write a calibration JSON with the pairs and the fitted homography\n"
    "  --check-image PATH  draw the metric ground grid, the points and the RMS error on the frame\n"
    "  --grid-m S|SX,SY    grid spacing in metres, or across,along the road (default 5)\n"
    "  --help              this text\n"
    "\n"
    "Prints the homography, the RMS reprojection error in pixels and metres, and per pair its\n"
    "residuals and the metres per pixel there. Exit status: 0 fitted, 1 fit or file error,\n"
    "2 usage error.\n";

Options parse_options(const std::vector<std::string> &args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string &key = args[i];
    if (key == "--help" || key == "-h") {
      o.help = true;
      return o;
    }
    if (!kValueOptions.contains(key)) throw Error("unknown option " + key);
    if (i + 1 >= args.size()) throw Error(key + " needs a value");
    const std::string &value = args[++i];
    if (key == "--frame") {
      o.frame_path = value;
    } else if (key == "--points") {
      o.points_path = value;
    } else if (key == "--pair") {
      o.pairs.push_back(parse_pair(value));
    } else if (key == "--write") {
      o.write_path = value;
    } else if (key == "--check-image") {
      o.check_image_path = value;
    } else {
      parse_grid(value, o);
    }
  }
  if (o.frame_path.empty()) throw Error("--frame is required");
  if (o.points_path.empty() && o.pairs.empty()) {
    throw Error("no point pairs: give --points FILE or --pair u,v=x,y (4 or more)");
  }
  if (!o.points_path.empty() && !o.pairs.empty()) {
    throw Error("give the point pairs either as --points FILE or as --pair options, not both");
  }
  return o;
}

}  // namespace rw::calibrate
