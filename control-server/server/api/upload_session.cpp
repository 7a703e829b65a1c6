#include "api/upload_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <glib.h>

#include "api/file_signature.hpp"

namespace rw::server {
namespace {

ApiError storage_error(const char *what, int error_number) {
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return {507, "insufficient_storage",
            std::string("no space left for the upload (") + std::strerror(error_number) + ")"};
  }
  return ApiError::internal(std::string(what) + ": " + std::strerror(error_number));
}

}  // namespace

UploadSession::UploadSession(std::string videos_dir, std::uint64_t max_body_bytes,
                             std::string boundary)
    : videos_dir_(std::move(videos_dir)), max_body_bytes_(max_body_bytes) {
  MultipartFileSink sink{
      [this](const PartInfo &part) { return file_begin(part); },
      [this](std::string_view bytes) { return file_data(bytes); },
      [this]() { return file_end(); },
  };
  parser_ = std::make_unique<MultipartParser>(std::move(boundary), "video", std::move(sink));
}

UploadSession::~UploadSession() {
  remove_file();
}

void UploadSession::remove_file() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) unlink(temp_path_.c_str());
  temp_path_.clear();
}

std::optional<ApiError> UploadSession::feed(std::string_view bytes) {
  body_bytes_ += bytes.size();
  if (body_bytes_ > max_body_bytes_) {
    remove_file();
    return ApiError::too_large("the upload is larger than the limit of " +
                               std::to_string(max_body_bytes_ / (1024 * 1024)) +
                               " MiB (--max-upload-mb)");
  }
  auto error = parser_->feed(bytes);
  if (error) remove_file();
  return error;
}

std::optional<ApiError> UploadSession::file_begin(const PartInfo &part) {
  client_filename_ = part.filename;
  return std::nullopt;
}

std::optional<ApiError> UploadSession::file_data(std::string_view bytes) {
  if (fd_ >= 0) return write_all(bytes);
  // Hold the first bytes until the signature can be judged.
  head_.append(bytes);
  if (head_.size() < kSignatureBytes) return std::nullopt;
  return open_file(head_, false);
}

std::optional<ApiError> UploadSession::file_end() {
  file_done_ = true;
  if (fd_ >= 0) return std::nullopt;
  return open_file(head_, true);  // a file shorter than kSignatureBytes
}

std::optional<ApiError> UploadSession::open_file(std::string_view head, bool complete) {
  const SniffResult sniffed = sniff_container(head, complete);
  if (!sniffed.match) {
    return ApiError::unsupported_media(
        "the uploaded file is not a video container the server accepts (MP4/MOV, Matroska/WebM, "
        "AVI, MPEG-TS, MPEG-PS)");
  }
  char *uuid = g_uuid_string_random();
  const std::string name = std::string(uuid) + "." + sniffed.match->extension;
  g_free(uuid);
  final_path_ = videos_dir_ + "/" + name;
  const std::string temp = videos_dir_ + "/." + name + ".part";
  fd_ = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) return storage_error("cannot create the upload file", errno);
  temp_path_ = temp;
  std::string first;
  first.swap(head_);
  return write_all(first);
}

std::optional<ApiError> UploadSession::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      remove_file();
      return storage_error("cannot write the upload file", error_number);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    file_bytes_ += static_cast<std::uint64_t>(n);
  }
  return std::nullopt;
}

Checked<UploadSession::Stored> UploadSession::finish() {
  if (auto error = parser_->finish()) {
    remove_file();
    return *error;
  }
  if (!parser_->has_file() || !file_done_) {
    remove_file();
    return ApiError::bad_request("the upload has no 'video' file part");
  }
  auto settings = parse_upload_fields(parser_->fields(), client_filename_);
  if (auto *error = std::get_if<ApiError>(&settings)) {
    remove_file();
    return *error;
  }
  Stored stored{fd_, temp_path_, final_path_, file_bytes_,
                std::move(std::get<SourceSettings>(settings))};
  fd_ = -1;  // the caller's now
  temp_path_.clear();
  return stored;
}

}  // namespace rw::server
