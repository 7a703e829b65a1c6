// rw-rtsp-test-server: a live H.264 test stream over RTSP for the runner's integration tests.
//
//   rw-rtsp-test-server --port P [--path /test] [--launch "( ... rtph264pay name=pay0 )"]
//
// Prints "ready rtsp://127.0.0.1:P/test" once it listens, runs until SIGTERM, SIGINT or a
// kill, and can be started again on the same port at once (the socket reuses the address).
#include <glib-unix.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// A moving ball at 320x240, 15 fps, a key frame every second so a client that reconnects
// sees a picture within a second.
constexpr const char *kDefaultLaunch =
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
    "rtph264pay name=pay0 pt=96 config-interval=1 )";

gboolean quit(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_REMOVE;
}

int usage() {
  std::fprintf(stderr, "usage: rw-rtsp-test-server --port P [--path /test] [--launch DESC]\n");
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  std::string port, path = "/test", launch = kDefaultLaunch;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = argv[i + 1];
    } else if (flag == "--path") {
      path = argv[i + 1];
    } else if (flag == "--launch") {
      launch = argv[i + 1];
    } else {
      return usage();
    }
  }
  if (port.empty() || argc % 2 == 0) return usage();

  GstRTSPServer *server = gst_rtsp_server_new();
  g_object_set(server, "address", "127.0.0.1", "service", port.c_str(), nullptr);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);  // one encoder for every client
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), factory);
  g_object_unref(mounts);

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    std::fprintf(stderr, "rw-rtsp-test-server: cannot listen on 127.0.0.1:%s\n", port.c_str());
    return 1;
  }
  g_unix_signal_add(SIGTERM, quit, loop);
  g_unix_signal_add(SIGINT, quit, loop);
  std::printf("ready rtsp://127.0.0.1:%s%s\n", port.c_str(), path.c_str());
  std::fflush(stdout);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  g_object_unref(server);
  return 0;
}
