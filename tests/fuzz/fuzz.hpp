// What the fuzz targets share: the rule that only stowage::error may leave the library, a
// sandbox directory whose surroundings are checked after each run, and records with many field
// types. A target defines LLVMFuzzerTestOneInput; it is linked with libFuzzer (scripts/fuzz) or
// with replay_main.cpp, which feeds it the corpus and the regression inputs (ctest).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stowage/stowage.hpp>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace fuzz {

namespace fs = std::filesystem;

/// The sandbox of the run in progress, removed by finding() (abort skips destructors).
inline std::string& current_sandbox() {
  static std::string path;
  return path;
}

/// Reports a finding and aborts, which libFuzzer records as a crash.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==== stowage fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  if (!current_sandbox().empty()) {
    std::error_code ec;
    fs::remove_all(current_sandbox(), ec);
  }
  std::abort();
}

/// Runs f. A stowage::error (of one of the allowed kinds, when any are given) whose message is
/// one line is an accepted outcome; any other exception is a finding. True when f returned
/// normally. Messages quote names and URLs as given, so a target whose input holds a line break
/// passes echoed_input to accept a message broken where the input is.
template <class F>
bool only_stowage_errors(F&& f, std::initializer_list<stowage::error_kind> allowed = {},
                         std::string_view echoed_input = {}) {
  try {
    f();
    return true;
  } catch (const stowage::error& e) {
    if (allowed.size() != 0 && std::find(allowed.begin(), allowed.end(), e.kind()) == allowed.end())
      finding("stowage::error of an unexpected kind: " + std::string(e.what()));
    if (std::string_view(e.what()).find('\n') != std::string_view::npos &&
        echoed_input.find('\n') == std::string_view::npos)
      finding("an error message spans several lines: " + std::string(e.what()));
    return false;
  } catch (const std::exception& e) {
    finding(std::string("an exception that is no stowage::error left the library: ") + typeid(e).name() + ": " +
            e.what());
  } catch (...) {
    finding("an exception of unknown type left the library");
  }
}

/// Where temporary directories go: memory-backed when the machine has /dev/shm (stores fsync
/// every write), else TMPDIR. STOWAGE_FUZZ_TMP overrides both.
inline fs::path temp_base() {
  if (const char* t = std::getenv("STOWAGE_FUZZ_TMP")) return t;
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  if (const char* t = std::getenv("TMPDIR")) return t;
  return "/tmp";
}

inline void write_file(const fs::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) finding("the harness cannot write " + p.string());
}

inline std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh directory for one run, laid out so that escapes can be seen:
///   <base>/outside.json, <base>/sibling/outside.json, <base>/a/b/c/outside.json   sentinels
///   <base>/a/b/c/root                                the directory the code under test may use
/// A relative path with up to four ".." components from root stays inside <base>, so the code
/// under test is run only on paths that resolve inside <base> (see inside()); what it did
/// outside root is then visible in <base>, and check() reports it.
class sandbox {
 public:
  sandbox() {
    std::string pattern = (temp_base() / "stowage-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) finding("the harness cannot create a temporary directory");
    base_ = pattern;
    current_sandbox() = pattern;
    root_ = base_ / "a" / "b" / "c" / "root";
    fs::create_directories(root_);
    fs::create_directories(base_ / "sibling");
    // named as record files are, so that a journal could delete them
    for (const auto& p : {base_ / "outside.json", base_ / "sibling" / "outside.json", base_ / "a/b/c/outside.json"})
      write_file(p, "{}\n");
    before_ = outside_root();
  }
  sandbox(const sandbox&) = delete;
  sandbox& operator=(const sandbox&) = delete;
  ~sandbox() {
    std::error_code ec;
    fs::remove_all(base_, ec);
    current_sandbox().clear();
  }

  const fs::path& base() const { return base_; }
  const fs::path& root() const { return root_; }

  /// Whether every path the system may be handed on the way to p (relative to root: each
  /// prefix of p, cut at its first NUL byte as the system cuts it) climbs no more than
  /// `levels` directories above root.
  /// No symbolic links exist in the sandbox, so counting ".." components gives the real answer.
  /// Absolute paths are never run: the fuzzer could name any file with them.
  static bool within(const fs::path& p, int levels) {
    std::string s = p.string();
    fs::path cut = s.substr(0, s.find('\0'));
    if (cut.is_absolute()) return false;
    int depth = levels;
    for (const auto& part : cut) {
      if (part == "..")
        --depth;
      else if (part != "." && !part.empty())
        ++depth;
      if (depth < 0) return false;
    }
    return true;
  }
  /// p (relative to root) and the way to it stay inside <base> (root is <base>/a/b/c/root).
  static bool inside(const fs::path& p) { return within(p, 4); }
  /// p (relative to root) and the way to it stay inside root.
  static bool under_root(const fs::path& p) { return within(p, 0); }

  /// Reports a finding when anything outside root was created, changed or removed.
  void check(std::string_view after_what) const {
    auto now = outside_root();
    if (now == before_) return;
    std::string diff;
    for (const auto& [p, c] : now)
      if (!before_.count(p))
        diff += " created " + p;
      else if (before_.at(p) != c)
        diff += " changed " + p;
    for (const auto& [p, c] : before_)
      if (!now.count(p)) diff += " removed " + p;
    finding(std::string(after_what) + " touched paths outside the store's directory:" + diff);
  }

 private:
  /// Every path under <base> but outside root, with the content of files.
  std::map<std::string, std::string> outside_root() const {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(base_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->path() == root_) {
        it.disable_recursion_pending();
        continue;
      }
      std::string rel = it->path().lexically_relative(base_).string();
      out[rel] = it->is_regular_file() ? read_whole(it->path()) : std::string("<dir>");
    }
    if (ec) finding("the harness cannot list " + base_.string() + ": " + ec.message());
    return out;
  }

  fs::path base_, root_;
  std::map<std::string, std::string> before_;
};

enum class color { red, green, blue };

struct point {
  BOOST_HANA_DEFINE_STRUCT(point, (int, x), (std::optional<std::string>, label));
};

/// Every kind of field, as stored inside a JSON column.
struct inner {
  BOOST_HANA_DEFINE_STRUCT(inner,
    (std::int8_t, i8), (std::uint16_t, u16), (std::int32_t, i32), (std::int64_t, i64), (std::uint64_t, u64),
    (float, f32), (double, f64), (bool, flag), (std::string, text), (stowage::bytes, blob),
    (stowage::timestamp, at), (std::chrono::system_clock::time_point, at_ns), (color, hue),
    (std::optional<std::int64_t>, maybe_int), (std::optional<float>, maybe_real),
    (std::optional<stowage::bytes>, maybe_blob), (std::optional<color>, maybe_hue),
    (nlohmann::json, doc), (point, where), (std::vector<point>, path), (std::vector<std::string>, tags));
};

/// Every kind of field as a column, and JSON columns holding composites.
struct record {
  BOOST_HANA_DEFINE_STRUCT(record,
    (std::string, id),
    (std::int8_t, i8), (std::uint16_t, u16), (std::int32_t, i32), (std::int64_t, i64), (std::uint64_t, u64),
    (float, f32), (double, f64), (bool, flag), (std::string, text), (stowage::bytes, blob),
    (stowage::timestamp, at), (std::chrono::system_clock::time_point, at_ns), (color, hue),
    (std::optional<std::int64_t>, maybe_int), (std::optional<float>, maybe_real),
    (std::optional<std::string>, maybe_text), (std::optional<stowage::timestamp>, maybe_at),
    (std::optional<color>, maybe_hue), (nlohmann::json, doc), (inner, nested), (std::vector<inner>, list));
};

/// A small record for the stores whose URL is fuzzed, and for LIKE.
struct note {
  BOOST_HANA_DEFINE_STRUCT(note, (std::int64_t, id), (std::string, text));
};

}  // namespace fuzz

// fixed table names, so that seed inputs can name the tables' directories
template <>
struct stowage::record_traits<fuzz::record> {
  static constexpr std::string_view table = "records";
};
template <>
struct stowage::record_traits<fuzz::note> {
  static constexpr std::string_view table = "notes";
};
