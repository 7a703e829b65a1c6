#include "supervisor/snapshot_command.hpp"

#include "template.hpp"  // rw::run::quote_value, tools/run

namespace rw::server {

std::vector<std::string> snapshot_argv(const SourceConfig &source) {
  std::vector<std::string> argv = {"gst-launch-1.0", "-q"};
  if (source.kind == SourceKind::kVideo) {
    argv.insert(argv.end(), {"filesrc", "location=" + rw::run::quote_value(source.file_path), "!",
                             "decodebin"});
  } else {
    argv.insert(argv.end(), {"uridecodebin", "uri=" + rw::run::quote_value(source.uri)});
  }
  argv.insert(argv.end(),
              {"!", "videoconvert", "!", "jpegenc", "snapshot=true", "!", "fdsink", "fd=1"});
  return argv;
}

bool looks_like_jpeg(const std::string &bytes) {
  return bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 &&
         static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
         static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
}

}  // namespace rw::server
