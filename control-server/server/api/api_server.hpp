#pragma once

// The REST API on a SoupServer. Every request passes an early handler when its headers have
// arrived, before any body is read: routing (404/405), CORS preflight, access (401/403), and
// the body's limits and type (413/415), so that a refused request never costs its body. An
// upload is then streamed to disk through UploadSession as libsoup reads it (the body is not
// accumulated); JSON bodies are capped. The normal handler serves the route once the body is
// complete; slow work (PostgreSQL, the supervisor, files) answers later through PendingReply.
// Each finished request is logged: method, path (tokens redacted), status, milliseconds.

#include <libsoup/soup.h>

#include "api/api_context.hpp"

namespace rw::server {

class ApiServer {
 public:
  ApiServer(SoupServer *server, ApiConfig config, ApiDeps deps);
  ~ApiServer();
  ApiServer(const ApiServer &) = delete;
  ApiServer &operator=(const ApiServer &) = delete;

 private:
  SoupServer *server_;
  Context context_;
};

}  // namespace rw::server
