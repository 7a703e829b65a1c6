#include <csignal>

#include <gtest/gtest.h>

// roadwatch-server ignores SIGPIPE (hiredis writes with write(2)); so do its tests.
int main(int argc, char **argv) {
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
