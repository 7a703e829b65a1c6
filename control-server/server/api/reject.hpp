#pragma once

// Refusing a request whose body must not be read: a 413 before a 2 GB upload arrives, a 415 on
// the first bytes of a file that is no video, a 401 before an unauthorised upload.
//
// libsoup reads a request body completely before it writes any response, unless the client
// sent "Expect: 100-continue" (then it answers at once and never reads the body). For a body on
// its way without that, reject_request() takes the connection from libsoup
// (soup_server_message_steal_connection), writes the response on it, shuts down its sending
// side and discards what still comes for at most kLingerTime, so that the client reads the
// answer instead of a connection reset, then closes it.

#include <chrono>
#include <string>

#include <libsoup/soup.h>

#include "common/api_error.hpp"

namespace rw::server {

inline constexpr std::chrono::seconds kLingerTime{5};

// Whether the request announced a body (Content-Length > 0 or chunked).
bool body_expected(SoupServerMessage *msg);

enum class BodyState {
  kNotStarted,  // from the early handler: only the headers have been read
  kFlowing,     // from a got-chunk handler
};

// Answers with error. Before the body, without a body on its way (or with Expect:
// 100-continue), this is an ordinary response and libsoup goes on; otherwise the connection is
// taken over as above and the message is finished for libsoup (no handler runs, no "finished"
// signal): then it returns true. allow: the Allow header of a 405.
bool reject_request(SoupServerMessage *msg, BodyState body, const ApiError &error,
                    const std::string &allow = {});

}  // namespace rw::server
