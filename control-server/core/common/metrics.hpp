#pragma once

// Counters and gauges for GET /metrics, rendered in the Prometheus text format (version 0.0.4).
// Components register what they count once and update it by reference; the registry owns the
// values. Single-threaded: the server's main loop is the only writer and reader.

#include <map>
#include <string>
#include <vector>

namespace rw::server {

class Metrics {
 public:
  enum class Kind { kCounter, kGauge };

  // labels: {"source", "3"}; the same name with other labels is another series of one family.
  // Registering a family twice with another help or kind throws std::logic_error.
  double &counter(const std::string &name, const std::string &help,
                  std::map<std::string, std::string> labels = {});
  double &gauge(const std::string &name, const std::string &help,
                std::map<std::string, std::string> labels = {});

  std::string render() const;

 private:
  struct Family {
    Kind kind = Kind::kCounter;
    std::string help;
    std::map<std::map<std::string, std::string>, double> series;
  };
  double &series(const std::string &name, Kind kind, const std::string &help,
                 std::map<std::string, std::string> labels);
  std::map<std::string, Family> families_;
};

}  // namespace rw::server
