// A transaction destroyed unended in a thread other than its own terminates the program, as a
// std::thread destroyed while joinable does: rolling back there would race with its thread.
#include <catch2/catch.hpp>

#include <stowage/stowage.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <thread>

namespace {
/// Runs f in a child process and returns its wait status.
template <class F>
int in_child(F f) {
  pid_t pid = ::fork();
  if (pid == 0) {
    f();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}
}  // namespace

TEST_CASE("a transaction destroyed unended in another thread terminates the program") {
  int status = in_child([] {
    stowage::database<stowage::memory> db{"memory:"};
    std::optional<stowage::transaction<stowage::memory>> tx(db.transaction());
    std::thread([&] { tx.reset(); }).join();
  });
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("a transaction ended in its own thread may be destroyed in another") {
  int status = in_child([] {
    stowage::database<stowage::memory> db{"memory:"};
    std::optional<stowage::transaction<stowage::memory>> tx(db.transaction());
    tx->commit();
    std::thread([&] { tx.reset(); }).join();
    auto again = db.transaction();  // the database is free
    again.commit();
  });
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a database's lock is reentrant in the thread holding it and exclusive to other threads") {
  stowage::reentrant_mutex m;
  m.lock();
  m.lock();  // again, from the thread holding it
  auto other_gets_it = [&] {
    bool got = false;
    std::thread([&] {
      got = m.try_lock();
      if (got) m.unlock();
    }).join();
    return got;
  };
  CHECK_FALSE(other_gets_it());
  m.unlock();
  CHECK_FALSE(other_gets_it());  // still held once
  CHECK(m.try_lock());           // and taken again by its holder
  m.unlock();
  m.unlock();
  CHECK(other_gets_it());
  m.lock();  // free again for this thread as well
  m.unlock();
}
