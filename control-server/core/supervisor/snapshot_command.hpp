#pragma once

// The gst-launch-1.0 command that decodes a source's first frame for calibration and writes it
// as one JPEG to stdout.

#include <string>
#include <vector>

#include "supervisor/source_config.hpp"

namespace rw::server {

// Every path and URI goes in as one quoted property value (the runner's quoting), so that
// spaces, '!' or quotes in it can never add elements to the pipeline.
std::vector<std::string> snapshot_argv(const SourceConfig &source);

// A complete JPEG starts with SOI (FF D8) and ends with EOI (FF D9); anything else on stdout
// (a decoder that printed text, a cut-off write) is not an image.
bool looks_like_jpeg(const std::string &bytes);

}  // namespace rw::server
