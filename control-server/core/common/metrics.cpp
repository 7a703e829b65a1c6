#include "common/metrics.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rw::server {
namespace {

// Label values escape backslash, double quote and newline (exposition format).
std::string escape_label(const std::string &value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

}  // namespace

double &Metrics::counter(const std::string &name, const std::string &help,
                         std::map<std::string, std::string> labels) {
  return series(name, Kind::kCounter, help, std::move(labels));
}

double &Metrics::gauge(const std::string &name, const std::string &help,
                       std::map<std::string, std::string> labels) {
  return series(name, Kind::kGauge, help, std::move(labels));
}

double &Metrics::series(const std::string &name, Kind kind, const std::string &help,
                        std::map<std::string, std::string> labels) {
  auto [it, inserted] = families_.try_emplace(name);
  Family &family = it->second;
  if (inserted) {
    family.kind = kind;
    family.help = help;
  } else if (family.kind != kind || family.help != help) {
    throw std::logic_error("metric " + name + " registered twice with another kind or help");
  }
  return family.series[std::move(labels)];  // std::map never moves its values
}

std::string Metrics::render() const {
  std::ostringstream out;
  for (const auto &[name, family] : families_) {
    out << "# HELP " << name << ' ' << family.help << '\n';
    out << "# TYPE " << name << ' ' << (family.kind == Kind::kCounter ? "counter" : "gauge")
        << '\n';
    for (const auto &[labels, value] : family.series) {
      out << name;
      if (!labels.empty()) {
        out << '{';
        bool first = true;
        for (const auto &[key, label] : labels) {
          out << (first ? "" : ",") << key << "=\"" << escape_label(label) << '"';
          first = false;
        }
        out << '}';
      }
      out << ' ' << format_value(value) << '\n';
    }
  }
  return out.str();
}

}  // namespace rw::server
