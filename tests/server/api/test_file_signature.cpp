#include <gtest/gtest.h>

#include "api/file_signature.hpp"

namespace rw::server {
namespace {

std::string padded(std::string head, char fill = '\x11') {
  head.resize(kSignatureBytes, fill);
  return head;
}

std::string be32(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

const char *extension(const std::string &head, bool complete = false) {
  const SniffResult result = sniff_container(head, complete);
  EXPECT_FALSE(result.need_more);
  return result.match ? result.match->extension : "none";
}

TEST(FileSignature, IsoBaseMediaFiles) {
  EXPECT_STREQ(extension(padded(be32(32) + "ftypisom" + be32(512) + "isomiso2avc1mp41")), "mp4");
  EXPECT_STREQ(extension(padded(be32(20) + "ftypqt  " + be32(0) + "qt  ")), "mov");
  EXPECT_STREQ(extension(padded(be32(1000) + "moov")), "mov");
  EXPECT_EQ(sniff_container(padded(be32(32) + "ftypisom"), false).match->container,
            Container::kIsoBmff);
  // A box size below the 8-byte header, an ftyp too short for its brands, an unknown box.
  EXPECT_STREQ(extension(padded(be32(4) + "ftypisom" + be32(0))), "none");
  EXPECT_STREQ(extension(padded(be32(12) + "ftypisom" + be32(0))), "none");
  EXPECT_STREQ(extension(padded(be32(32) + "ftpyisom" + be32(0))), "none");
}

TEST(FileSignature, MatroskaAndWebm) {
  const std::string ebml("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01", 9);
  EXPECT_STREQ(extension(padded(ebml + std::string("\x42\x82\x88matroska", 11))), "mkv");
  EXPECT_STREQ(extension(padded(ebml + std::string("\x42\x82\x84webm", 7))), "webm");
  EXPECT_STREQ(extension(padded(std::string("\x1A\x45\xDF\xA4", 4))), "none");
}

TEST(FileSignature, Avi) {
  EXPECT_STREQ(extension(padded("RIFF" + be32(1234) + "AVI LIST")), "avi");
  EXPECT_STREQ(extension(padded("RIFF" + be32(1234) + "WAVEfmt ")), "none");
}

TEST(FileSignature, MpegTransportStreams) {
  std::string ts(kSignatureBytes, '\x00');
  for (std::size_t i = 0; i < ts.size(); i += 188) ts[i] = '\x47';
  EXPECT_STREQ(extension(ts), "ts");
  ts[376] = '\x48';  // the third packet lost sync
  EXPECT_STREQ(extension(ts), "none");

  std::string m2ts(kSignatureBytes, '\x00');
  for (std::size_t i = 4; i < m2ts.size(); i += 192) m2ts[i] = '\x47';
  EXPECT_STREQ(extension(m2ts), "m2ts");
}

TEST(FileSignature, MpegProgramStreams) {
  EXPECT_STREQ(extension(padded(std::string("\x00\x00\x01\xBA\x44", 5))), "mpg");  // MPEG-2
  EXPECT_STREQ(extension(padded(std::string("\x00\x00\x01\xBA\x21", 5))), "mpg");  // MPEG-1
  EXPECT_STREQ(extension(padded(std::string("\x00\x00\x01\xBA\x00", 5))), "none");
  EXPECT_STREQ(extension(padded(std::string("\x00\x00\x01\xB3\x44", 5))), "none");
}

TEST(FileSignature, EverythingElseIsRejected) {
  EXPECT_STREQ(extension(padded("\xFF\xD8\xFF\xE0 JFIF")), "none");  // JPEG
  EXPECT_STREQ(extension(padded("PK\x03\x04")), "none");             // zip
  EXPECT_STREQ(extension(padded("<!DOCTYPE html><html>")), "none");  // HTML
  EXPECT_STREQ(extension(padded("#!/bin/sh\nrm -rf /\n")), "none");  // script
  EXPECT_STREQ(extension(padded("\x7f"
                                "ELF\x02\x01\x01")),
               "none");                                                 // executable
  EXPECT_STREQ(extension(std::string(kSignatureBytes, '\0')), "none");  // zeros
}

TEST(FileSignature, ShortHeadsWaitUnlessTheFileIsComplete) {
  const std::string mp4 = be32(32) + "ftypisom" + be32(512) + "isom";
  const SniffResult waiting = sniff_container(mp4, false);
  EXPECT_TRUE(waiting.need_more);
  EXPECT_FALSE(waiting.match);
  EXPECT_STREQ(extension(mp4, true), "mp4");
  EXPECT_STREQ(extension("", true), "none");
  EXPECT_STREQ(extension("RIFF", true), "none");
  // A transport stream needs three packets to be recognised.
  std::string ts(300, '\0');
  ts[0] = ts[188] = '\x47';
  EXPECT_STREQ(extension(ts, true), "none");
}

}  // namespace
}  // namespace rw::server
