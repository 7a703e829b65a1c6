#pragma once

// One video upload on its way to disk. The request body comes in pieces (libsoup's got-chunk)
// and goes through the streaming multipart parser: the "video" part is written to a hidden
// temporary file under videos/ as it arrives, the other fields stay in memory. The file is
// created only once its first bytes are a known video container (else 415), its name is the
// server's (a UUID and the extension the signature gives), and a body beyond the limit is a
// 413. Whatever fails, the partial file is removed when the session ends.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/multipart.hpp"
#include "api/source_request.hpp"

namespace rw::server {

class UploadSession {
 public:
  // videos_dir must exist; max_body_bytes bounds the whole request body.
  UploadSession(std::string videos_dir, std::uint64_t max_body_bytes, std::string boundary);
  ~UploadSession();
  UploadSession(const UploadSession &) = delete;
  UploadSession &operator=(const UploadSession &) = delete;

  // The next piece of the body. An error ends the upload: the caller answers with it.
  std::optional<ApiError> feed(std::string_view bytes);

  // A complete upload, still in its temporary file: the caller syncs and renames it (off the
  // main loop) and then owns both paths.
  struct Stored {
    int fd = -1;             // open, for fsync; the caller closes it
    std::string temp_path;   // videos/.<uuid>.<ext>.part
    std::string final_path;  // videos/<uuid>.<ext>
    std::uint64_t size_bytes = 0;
    SourceSettings settings;
  };

  // The body has ended: the multipart structure, the fields and the file are checked. On
  // success the file is the caller's (this session no longer removes it).
  Checked<Stored> finish();

  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  std::optional<ApiError> file_begin(const PartInfo &part);
  std::optional<ApiError> file_data(std::string_view bytes);
  std::optional<ApiError> file_end();
  std::optional<ApiError> open_file(std::string_view head, bool complete);
  std::optional<ApiError> write_all(std::string_view bytes);
  void remove_file();

  const std::string videos_dir_;
  const std::uint64_t max_body_bytes_;
  std::unique_ptr<MultipartParser> parser_;
  std::uint64_t body_bytes_ = 0;

  std::optional<std::string> client_filename_;
  std::string head_;  // the file's first bytes until the signature is known
  bool file_done_ = false;
  int fd_ = -1;
  std::string temp_path_;
  std::string final_path_;
  std::uint64_t file_bytes_ = 0;
};

}  // namespace rw::server
