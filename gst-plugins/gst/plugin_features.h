#pragma once

#include <gst/gst.h>

// Registers every roadwatch element and meta with a plugin; shared by the plugin module
// and by tests, which register the plugin statically.
gboolean rw_register_plugin_features(GstPlugin *plugin);
