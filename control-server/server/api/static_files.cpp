#include "api/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "api/blocking_task.hpp"
#include "api/reply.hpp"
#include "api/static_path.hpp"

namespace rw::server {
namespace {

constexpr const char *kNotFound = "not found";

// On a worker thread: the file's bytes, or kNotFound / another error.
BlockingResult read_inside(const std::string &root, const std::string &relative) {
  BlockingResult result;
  char resolved[PATH_MAX];
  const std::string joined = root + "/" + relative;
  if (realpath(joined.c_str(), resolved) == nullptr) {
    result.error = errno == ENOENT || errno == ENOTDIR ? kNotFound : std::strerror(errno);
    return result;
  }
  const std::string path = resolved;
  if (!path.starts_with(root + "/")) {
    result.error = kNotFound;  // a symlink out of the root
    return result;
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat info {};
  if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::size_t>(info.st_size) > kMaxStaticFileBytes) {
    if (fd >= 0) close(fd);
    result.error = kNotFound;
    return result;
  }
  result.data.resize(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < result.data.size()) {
    const ssize_t n = read(fd, result.data.data() + done, result.data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  result.data.resize(done);
  return result;
}

}  // namespace

void serve_static_file(const std::string &web_root, SoupServerMessage *msg, const char *path) {
  const std::string method = soup_server_message_get_method(msg);
  if (method != "GET" && method != "HEAD") {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    return reply_error(msg, ApiError::method_not_allowed(method + " is not allowed on files"));
  }
  const auto relative = static_relative_path(path);
  if (web_root.empty() || !relative) {
    return reply_error(msg, ApiError::not_found("no such path: " + std::string(path)));
  }
  const Pending reply = PendingReply::pause(msg);
  const char *type = static_content_type(*relative);
  run_blocking([root = web_root, file = *relative] { return read_inside(root, file); },
               [reply, type, shown = std::string(path)](BlockingResult result) {
                 if (result.error == kNotFound) {
                   return reply->error(ApiError::not_found("no such path: " + shown));
                 }
                 if (!result.error.empty()) {
                   return reply->error(ApiError::internal("cannot read " + shown));
                 }
                 reply->bytes(200, type, std::move(result.data));
               });
}

}  // namespace rw::server
