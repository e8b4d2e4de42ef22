// stowage::error's message: one line, whatever the parts hold; the parts themselves unaltered.
#include <catch2/catch.hpp>
#include <stowage/error.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

TEST_CASE("what() is one line even when the backend's message has several") {
  // PostgreSQL's words for a lost server, as libpq writes them
  const std::string pg =
      "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore "
      "or while processing the request.\n";
  stowage::unavailable_error e("cannot begin a transaction", {"event", "events", "\"k\ney\"", pg});
  std::string what = e.what();
  CHECK(what.find('\n') == std::string::npos);
  CHECK(what.find('\t') == std::string::npos);
  CHECK(what ==
        "stowage: unavailable: cannot begin a transaction; record event (table events), key \"k\\x0aey\"; backend "
        "says: server closed the connection unexpectedly This probably means the server terminated abnormally "
        "before or while processing the request.");
  CHECK(e.backend_message() == pg);
  CHECK(e.key() == "\"k\ney\"");
}

TEST_CASE("separate lines of a message are joined with a semicolon") {
  stowage::internal_error e("cannot run\r\nthe query", {{}, {}, {}, "ERROR:  syntax error\nLINE 1: SELEC\n\n"});
  CHECK(std::string(e.what()) ==
        "stowage: internal error: cannot run; the query; backend says: ERROR:  syntax error; LINE 1: SELEC");
}

TEST_CASE("programming mistakes are std::logic_error, every other failure a stowage::error") {
  // README lists the logic_errors; a stowage::error is never one
  static_assert(!std::is_base_of_v<std::logic_error, stowage::error>);
  static_assert(std::is_base_of_v<std::runtime_error, stowage::error>);
  SUCCEED();
}
