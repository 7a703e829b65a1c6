#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "db/migration_files.hpp"

namespace rw::server {
namespace {

class MigrationFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("rw-migration-files-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string &name, const std::string &text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST(MigrationVersion, ReadsTheThreeDigitPrefix) {
  EXPECT_EQ(migration_version("001_initial.sql"), 1);
  EXPECT_EQ(migration_version("042_add_index.sql"), 42);
  EXPECT_EQ(migration_version("1_initial.sql"), -1);
  EXPECT_EQ(migration_version("001initial.sql"), -1);
  EXPECT_EQ(migration_version("001_initial.sql~"), -1);
  EXPECT_EQ(migration_version("001_.sql"), -1);
  EXPECT_EQ(migration_version("abc_initial.sql"), -1);
}

TEST_F(MigrationFiles, LoadsInVersionOrderAndIgnoresOtherFiles) {
  write("010_later.sql", "SELECT 10;");
  write("002_second.sql", "SELECT 2;");
  write("001_first.sql", "SELECT 1;");
  write("notes.txt", "not sql");
  const auto loaded = load_migrations(dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::vector<Migration>>(loaded))
      << std::get<std::string>(loaded);
  const auto &migrations = std::get<std::vector<Migration>>(loaded);
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(migrations[0].name, "001_first.sql");
  EXPECT_EQ(migrations[0].sql, "SELECT 1;");
  EXPECT_EQ(migrations[1].version, 2);
  EXPECT_EQ(migrations[2].version, 10);
}

TEST_F(MigrationFiles, RejectsTwinVersionsEmptyAndOversizedFiles) {
  write("001_a.sql", "SELECT 1;");
  write("001_b.sql", "SELECT 1;");
  auto loaded = load_migrations(dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  EXPECT_NE(std::get<std::string>(loaded).find("same version"), std::string::npos);

  std::filesystem::remove(dir_ / "001_b.sql");
  write("002_empty.sql", "");
  loaded = load_migrations(dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  EXPECT_NE(std::get<std::string>(loaded).find("002_empty.sql is empty"), std::string::npos);

  std::filesystem::remove(dir_ / "002_empty.sql");
  write("003_big.sql", std::string(100, 'x'));
  loaded = load_migrations(dir_.string(), 99);
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  EXPECT_NE(std::get<std::string>(loaded).find("003_big.sql"), std::string::npos);
}

TEST_F(MigrationFiles, MissingDirectoryIsAnError) {
  const auto loaded = load_migrations((dir_ / "absent").string());
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  EXPECT_NE(std::get<std::string>(loaded).find("absent"), std::string::npos);
}

}  // namespace
}  // namespace rw::server
