// Fuzzes the postgres backend's URL parser (detail::pg::parse_url, which also runs libpq's
// PQconninfoParse) without connecting: only stowage::error (not of kind internal) may come out,
// and the URL shown in messages never holds the password of a postgresql://user:password@host
// URL.
#include <stowage/postgres.hpp>

#include "fuzz.hpp"

// a URL is the user's input: an internal error (a bug worth reporting) must not come of it
constexpr auto not_internal = {stowage::error_kind::not_found,   stowage::error_kind::conflict,
                               stowage::error_kind::constraint,  stowage::error_kind::bad_input,
                               stowage::error_kind::unavailable, stowage::error_kind::corrupt,
                               stowage::error_kind::schema};

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
          // (a password with a '*' may meet the mask itself: "&password=***" shows "&password=*")
          if (password.size() >= 4 && password.find('*') == std::string::npos &&
              s.shown.find(password) != std::string::npos && url.find(password) == url.rfind(password))
            fuzz::finding("the shown URL \"" + s.shown + "\" holds the password of " + url);
        }
      },
      not_internal, url);
  return 0;
}
