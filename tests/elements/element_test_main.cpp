// Element tests register the roadwatch plugin statically (as gst-plugins-rs tests do), so
// they exercise this build's elements whatever is installed on the machine.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "plugin_features.h"

int main(int argc, char **argv) {
  // A registry of our own, so a stale user registry never hides or shadows anything.
  g_setenv("GST_REGISTRY", RW_TEST_REGISTRY, TRUE);
  gst_init(&argc, &argv);
  if (!gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "roadwatch",
                                  "roadwatch elements under test", rw_register_plugin_features, "0",
                                  "unknown", "roadwatch", "roadwatch", "roadwatch")) {
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
