// A program outside the project that uses the installed blob store: it writes a blob to an
// in-memory database and reads it back.
#include <stowage/blobs.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main() {
  stowage::database<stowage::memory> db;
  stowage::blob_store blobs{db};
  stowage::blob_info b = blobs.write(std::vector<std::string>{"stored and ", "read back"});
  stowage::bytes back = blobs.read(b.id);
  std::printf("%.*s\n", static_cast<int>(back.size()), reinterpret_cast<const char*>(back.data()));
  return b.size == back.size() ? 0 : 1;
}
