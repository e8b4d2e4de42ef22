// Runs a fuzz target without libFuzzer: each argument is a file, or a directory whose files
// (recursively) are fed to LLVMFuzzerTestOneInput in name order, each in a child process so that
// one crash (an abort, a sanitizer report, a finding) does not hide the others. Prints each
// input that failed; exits non-zero when any did.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().filename() != ".gitkeep") inputs.push_back(e.path());
    } else if (fs::exists(p)) {
      inputs.push_back(p);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  std::size_t failed = 0;
  for (const auto& p : inputs) {
    std::fflush(stdout);
    pid_t child = ::fork();
    if (child < 0) {
      std::perror("fork");
      return 2;
    }
    if (child == 0) {
      std::ifstream in(p, std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      std::exit(0);  // not _exit: the leak checker runs at exit
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::printf("%s %s\n", ok ? "ok    " : "FAILED", p.c_str());
    if (!ok) ++failed;
  }
  std::printf("%zu inputs, %zu failed\n", inputs.size(), failed);
  return failed == 0 ? 0 : 1;
}
