#pragma once

// A loopback TCP port that was free a moment ago, for test servers (redis-server, PostgreSQL).
// Another process may take it before the server binds it: a caller that must be sure retries.

namespace rw::test {

int free_port();

}  // namespace rw::test
