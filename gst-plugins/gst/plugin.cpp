// The roadwatch plugin module: libgstroadwatch.so.
#include "config.h"
#include "plugin_features.h"

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, roadwatch,
                  "Traffic video analytics: vehicle detection, tracking, speed and counting",
                  rw_register_plugin_features, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME,
                  GST_PACKAGE_ORIGIN)
