#include <gtest/gtest.h>

#include <stdexcept>

#include "common/metrics.hpp"

namespace rw::server {
namespace {

TEST(Metrics, RendersFamiliesSortedWithHelpTypeAndLabels) {
  Metrics metrics;
  metrics.counter("rw_ws_messages_total", "Messages sent", {{"kind", "frame"}}) += 3;
  metrics.counter("rw_ws_messages_total", "Messages sent", {{"kind", "analytics"}}) += 2.5;
  metrics.gauge("rw_clients", "Connected clients") = 7;
  EXPECT_EQ(metrics.render(),
            "# HELP rw_clients Connected clients\n"
            "# TYPE rw_clients gauge\n"
            "rw_clients 7\n"
            "# HELP rw_ws_messages_total Messages sent\n"
            "# TYPE rw_ws_messages_total counter\n"
            "rw_ws_messages_total{kind=\"analytics\"} 2.5\n"
            "rw_ws_messages_total{kind=\"frame\"} 3\n");
}

TEST(Metrics, ReferencesStayValidAsSeriesAreAdded) {
  Metrics metrics;
  double &first = metrics.counter("rw_a_total", "a", {{"source", "1"}});
  for (int i = 2; i < 100; ++i) metrics.counter("rw_a_total", "a", {{"source", std::to_string(i)}});
  first += 1;
  EXPECT_NE(metrics.render().find("rw_a_total{source=\"1\"} 1\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.gauge("rw_g", "g", {{"reason", "a \"b\"\\\nc"}}) = 1;
  EXPECT_NE(metrics.render().find("rw_g{reason=\"a \\\"b\\\"\\\\\\nc\"} 1\n"), std::string::npos);
}

TEST(Metrics, RejectsAFamilyRegisteredTwiceDifferently) {
  Metrics metrics;
  metrics.counter("rw_x", "x");
  EXPECT_THROW(metrics.gauge("rw_x", "x"), std::logic_error);
  EXPECT_THROW(metrics.counter("rw_x", "other help"), std::logic_error);
}

}  // namespace
}  // namespace rw::server
