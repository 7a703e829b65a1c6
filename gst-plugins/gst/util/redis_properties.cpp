#include "util/redis_properties.h"

namespace rw::gst {

void install_redis_endpoint_properties(GObjectClass *gobject_class, guint host_id, guint port_id,
                                       guint password_id) {
  const auto ready =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, host_id,
      g_param_spec_string("host", "Host", "Redis server host name or address", kDefaultRedisHost,
                          ready));
  g_object_class_install_property(gobject_class, port_id,
                                  g_param_spec_uint("port", "Port", "Redis server TCP port", 1,
                                                    65535, kDefaultRedisPort, ready));
  g_object_class_install_property(
      gobject_class, password_id,
      g_param_spec_string(
          "password", "Password", "Redis password (AUTH); empty for none", nullptr,
          GParamFlags(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
}

}  // namespace rw::gst
