// Fuzzes the postgres backend's URL parser (detail::pg::parse_url, which also runs libpq's
// PQconninfoParse) without connecting: only stowage::error may come out, and the URL shown in
// messages never holds the password of a postgresql://user:password@host URL.
#include <stowage/postgres.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  fuzz::only_stowage_errors(
      [&] {
        auto s = stowage::detail::pg::parse_url(url);
        if (s.pool_size == 0) fuzz::finding("a URL gave a pool of no connections: " + url);
        // user:password@ in the authority: the password must not be shown
        auto start = url.find("://");
        auto at = url.find('@', start + 3);
        auto colon = url.find(':', start + 3);
        if (at != std::string::npos && colon < at && url.find_first_of("/?", start + 3) > at) {
          std::string password = url.substr(colon + 1, at - colon - 1);
          if (password.size() >= 4 && s.shown.find(password) != std::string::npos &&
              url.find(password) == url.rfind(password))
            fuzz::finding("the shown URL \"" + s.shown + "\" holds the password of " + url);
        }
      },
      {}, url);
  return 0;
}
