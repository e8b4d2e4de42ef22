// The backends the conformance suite runs against. A new backend joins the suite by adding one
// type to conformance_backends.
#pragma once

#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>

namespace conformance {

/// A scratch directory removed when the test ends.
class scratch_dir {
 public:
  scratch_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("stowage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct memory_backend {
  using type = stowage::memory;
  static constexpr bool persistent = false;
  static constexpr const char* label = "memory";
  scratch_dir dir;
  std::string url() const { return "memory:"; }
};

struct sqlite_in_memory {
  using type = stowage::sqlite;
  static constexpr bool persistent = false;
  static constexpr const char* label = "sqlite :memory:";
  scratch_dir dir;
  std::string url() const { return ":memory:"; }
};

struct sqlite_file {
  using type = stowage::sqlite;
  static constexpr bool persistent = true;
  static constexpr const char* label = "sqlite file";
  scratch_dir dir;
  std::string url() const { return "file:" + (dir.path() / "store.db").string(); }
};

struct json_directory {
  using type = stowage::json_dir;
  static constexpr bool persistent = true;
  static constexpr const char* label = "json_dir";
  scratch_dir dir;
  std::string url() const { return "dir:" + (dir.path() / "store").string(); }
};

using conformance_backends = std::tuple<memory_backend, sqlite_in_memory, sqlite_file, json_directory>;

/// A fresh, empty store on backend B; for persistent backends, reopen() opens the same store
/// again as a second database object.
template <class B>
struct store {
  B backend;
  std::unique_ptr<stowage::database<typename B::type>> db =
      std::make_unique<stowage::database<typename B::type>>(backend.url());
  stowage::database<typename B::type>& operator*() { return *db; }
  stowage::database<typename B::type>* operator->() { return db.get(); }
  std::unique_ptr<stowage::database<typename B::type>> another() const {
    return std::make_unique<stowage::database<typename B::type>>(backend.url());
  }
  void reopen() {
    db.reset();
    db = another();
  }
};

}  // namespace conformance
