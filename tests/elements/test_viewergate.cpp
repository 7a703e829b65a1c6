// viewergate against a real redis-server: closed without viewers, open while the viewers key
// holds a count > 0, closed again when it drops to 0 or Redis dies (one warning per outage),
// open again once Redis is back; force-open; a start without source-id fails.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "harness.h"
#include "redis_server.h"

namespace {

GstStaticPadTemplate any_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate any_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// Polls `condition` until it holds or 10 s pass (the poller answers within an interval).
bool eventually(const std::function<bool()> &condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class ViewerGate : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.start()) << redis_.error(); }
  void TearDown() override {
    if (h_ != nullptr) {
      gst_element_set_bus(h_->element, nullptr);
      gst_harness_teardown(h_);
    }
    if (bus_ != nullptr) gst_object_unref(bus_);
  }

  void start(int port, bool force_open = false) {
    GstElement *element = gst_element_factory_make("viewergate", nullptr);
    ASSERT_NE(element, nullptr);
    g_object_set(element, "port", guint(port), "source-id", "cam-7", "key-prefix", "test",
                 "poll-interval-ms", 20u, "force-open", gboolean(force_open), nullptr);
    bus_ = gst_bus_new();
    gst_element_set_bus(element, bus_);
    h_ = gst_harness_new_empty();
    gst_harness_add_element_full(h_, element, &any_src, "sink", &any_sink, "src");
    gst_object_unref(element);
    gst_harness_set_src_caps_str(h_, "video/x-raw,format=BGR,width=8,height=8,framerate=30/1");
  }

  bool open() const {
    gboolean value = FALSE;
    g_object_get(h_->element, "open", &value, nullptr);
    return value;
  }

  guint64 counter(const char *name) const {
    guint64 value = 0;
    g_object_get(h_->element, name, &value, nullptr);
    return value;
  }

  // Pushes one buffer; whether it came out.
  bool passes() {
    const guint before = gst_harness_buffers_received(h_);
    EXPECT_EQ(gst_harness_push(h_, gst_buffer_new_allocate(nullptr, 192, nullptr)), GST_FLOW_OK);
    const bool out = gst_harness_buffers_received(h_) > before;
    if (out) gst_buffer_unref(gst_harness_pull(h_));
    return out;
  }

  void set_viewers(const char *count) {
    ASSERT_EQ(redis_.command({"SET", "test:cam-7:viewers", count, "EX", "10"}), "OK");
  }

  rw::test::RedisServer redis_;
  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
};

TEST_F(ViewerGate, OpenOnlyWhileSomeoneWatches) {
  start(redis_.port());
  EXPECT_FALSE(passes()) << "no viewers key: closed";
  EXPECT_FALSE(passes());

  set_viewers("2");
  ASSERT_TRUE(eventually([this] { return open(); }));
  EXPECT_TRUE(passes());
  EXPECT_TRUE(passes());
  EXPECT_TRUE(passes());

  set_viewers("0");
  ASSERT_TRUE(eventually([this] { return !open(); }));
  EXPECT_FALSE(passes());

  set_viewers("1");
  ASSERT_TRUE(eventually([this] { return open(); }));
  ASSERT_EQ(redis_.command({"DEL", "test:cam-7:viewers"}), "1");
  ASSERT_TRUE(eventually([this] { return !open(); })) << "an expired or deleted key closes";
  EXPECT_FALSE(passes());

  EXPECT_EQ(counter("passed"), 3u);
  EXPECT_EQ(counter("dropped"), 4u);
  EXPECT_TRUE(rw::test::bus_messages(bus_, GST_MESSAGE_WARNING).empty());
}

// Only an integer count above 0 opens it; a key of another type is an error that says
// nothing about viewers (a warning, closed).
TEST_F(ViewerGate, OddValuesKeepItClosed) {
  start(redis_.port());
  for (const char *value : {"-1", "many", "2x", ""}) {
    set_viewers("1");  // open first, so that closing proves the odd value was read
    ASSERT_TRUE(eventually([this] { return open(); }));
    set_viewers(value);
    ASSERT_TRUE(eventually([this] { return !open(); })) << "'" << value << "'";
  }
  EXPECT_TRUE(rw::test::bus_messages(bus_, GST_MESSAGE_WARNING).empty());
  set_viewers("1");
  ASSERT_TRUE(eventually([this] { return open(); }));
  ASSERT_EQ(redis_.command({"DEL", "test:cam-7:viewers"}), "1");
  ASSERT_EQ(redis_.command({"HSET", "test:cam-7:viewers", "n", "1"}), "1");
  ASSERT_TRUE(eventually([this] { return !open(); }));
  const auto warnings = rw::test::bus_messages(bus_, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("WRONGTYPE"), std::string::npos) << warnings[0];
}

// Redis dies: closed, one warning however many polls fail; back: an info, and it opens again.
TEST_F(ViewerGate, RedisOutageClosesTheGate) {
  start(redis_.port());
  set_viewers("3");
  ASSERT_TRUE(eventually([this] { return open(); }));
  redis_.kill();
  ASSERT_TRUE(eventually([this] { return !open(); }));
  EXPECT_FALSE(passes());
  std::vector<std::string> warnings;
  ASSERT_TRUE(eventually([&] {
    for (std::string &w : rw::test::bus_messages(bus_, GST_MESSAGE_WARNING)) warnings.push_back(w);
    return !warnings.empty();
  }));
  EXPECT_NE(warnings[0].find("Redis"), std::string::npos) << warnings[0];
  ASSERT_TRUE(redis_.start()) << redis_.error();
  set_viewers("1");
  ASSERT_TRUE(eventually([this] { return open(); }));
  EXPECT_TRUE(passes());
  // Everything since the first warning: no second warning, one info for the way back.
  int more_warnings = 0, infos = 0;
  while (GstMessage *message = gst_bus_pop(bus_)) {
    more_warnings += GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING;
    infos += GST_MESSAGE_TYPE(message) == GST_MESSAGE_INFO;
    gst_message_unref(message);
  }
  EXPECT_EQ(more_warnings, 0);
  EXPECT_EQ(infos, 1);
}

// force-open passes frames with no Redis at all.
TEST_F(ViewerGate, ForceOpenPassesWithoutRedis) {
  const int port = redis_.port();
  redis_.kill();
  start(port, true);
  EXPECT_TRUE(passes());
  g_object_set(h_->element, "force-open", FALSE, nullptr);
  EXPECT_FALSE(passes());
  EXPECT_EQ(counter("passed"), 1u);
  EXPECT_EQ(counter("dropped"), 1u);
}

TEST(ViewerGateErrors, NeedsSourceId) {
  GstElement *element = gst_element_factory_make("viewergate", nullptr);
  const rw::test::StartResult result = rw::test::start_element(element);
  EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(result.error.find("source-id"), std::string::npos) << result.error;
  gst_object_unref(element);
}

}  // namespace
