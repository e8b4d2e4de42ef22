// The conversations model (stowage::models::conversations): users, conversations and messages,
// the same on every backend.
#include <catch2/catch.hpp>

#include <stowage/models/conversations.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"

using namespace conformance;
using stowage::models::conversation;
using stowage::models::conversation_message;
using stowage::models::conversation_user;
using stowage::models::conversations;

namespace {
template <class B>
std::vector<std::int64_t> turns_of(stowage::database<B>& db, const stowage::uuid& conversation_id) {
  std::vector<std::int64_t> turns;
  for (std::int64_t t : db.template table<conversation_message>()
                            .query(stowage::where<&conversation_message::conversation_id> == conversation_id)
                            .template order_by<&conversation_message::turn>()
                            .template select<&conversation_message::turn>())
    turns.push_back(t);
  return turns;
}

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("a conversation user is created, found by each id and updated", "[conformance][models]",
                        conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto ann = c.create_user({.external_id = "ext-1", .anonymous_id = std::nullopt, .email = "ann@x.org", .name = "Ann"});
  CHECK(ann.created_at == ann.updated_at);
  CHECK(c.get_user(ann.id).email == "ann@x.org");
  CHECK(c.find_user({.external_id = "ext-1"})->id == ann.id);
  CHECK(c.find_user({.email = "ann@x.org"})->id == ann.id);
  CHECK(c.find_user({.external_id = "ext-1", .email = "other@x.org"}) == std::nullopt);
  CHECK(c.find_user({.id = ann.id, .email = "ann@x.org"})->name == "Ann");
  CHECK(c.find_user({.anonymous_id = "nobody"}) == std::nullopt);
  CHECK_THROWS_AS(c.find_user(stowage::models::user_filter{}), stowage::bad_input_error);
  CHECK_THROWS_AS(c.get_user(stowage::new_uuid()), stowage::not_found_error);
  CHECK(c.find_user(stowage::new_uuid()) == std::nullopt);

  SECTION("each id is unique, and any number of users may lack one") {
    CHECK_THROWS_AS(c.create_user({.external_id = "ext-1"}), stowage::conflict_error);
    CHECK_THROWS_AS(c.create_user({.email = "ann@x.org"}), stowage::conflict_error);
    c.create_user({.anonymous_id = "anon-1"});
    CHECK_THROWS_AS(c.create_user({.anonymous_id = "anon-1"}), stowage::conflict_error);
    for (int i = 0; i < 3; ++i) c.create_user({.name = "nameless"});  // no ids at all: NULLs never collide
    CHECK(s->template table<conversation_user>().count() == 5);
  }
  SECTION("update writes the ids and name, keeps created_at and moves updated_at") {
    auto v = ann;
    v.name = "Ann B.";
    v.email = std::nullopt;
    v.created_at = {};
    auto updated = c.update_user(v);
    CHECK(updated.created_at == ann.created_at);
    CHECK(updated.updated_at >= ann.updated_at);
    CHECK(c.get_user(ann.id).name == "Ann B.");
    CHECK(c.get_user(ann.id).email == std::nullopt);
    CHECK(c.get_user(ann.id).updated_at == updated.updated_at);
    auto bob = c.create_user({.email = "bob@x.org"});
    bob.external_id = "ext-1";  // Ann's
    CHECK_THROWS_AS(c.update_user(bob), stowage::conflict_error);
    CHECK(c.get_user(bob.id).external_id == std::nullopt);
    conversation_user ghost = bob;
    ghost.id = stowage::new_uuid();
    CHECK_THROWS_AS(c.update_user(ghost), stowage::not_found_error);
  }
}

TEMPLATE_LIST_TEST_CASE("find_or_create_user logs a user in by external id, anonymous id or email",
                        "[conformance][models]", conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto visitor = c.find_or_create_user({.anonymous_id = "anon-7"});
  CHECK(c.find_or_create_user({.anonymous_id = "anon-7"}).id == visitor.id);
  // the visitor signs up: found by the anonymous id, the new fields written
  auto member = c.find_or_create_user({.anonymous_id = "anon-7", .email = "eve@x.org", .name = "Eve"});
  CHECK(member.id == visitor.id);
  CHECK(member.email == "eve@x.org");
  CHECK(member.created_at == visitor.created_at);
  CHECK(c.find_or_create_user({.email = "eve@x.org"}).id == visitor.id);
  CHECK(c.find_or_create_user({.external_id = "ext-9", .email = "eve@x.org"}).id == visitor.id);
  CHECK(c.get_user(visitor.id).external_id == "ext-9");
  auto other = c.find_or_create_user({.external_id = "ext-10"});
  CHECK(other.id != visitor.id);
  CHECK(s->template table<conversation_user>().count() == 2);
  // found by its external id, but the email is the other user's: nothing changes
  CHECK_THROWS_AS(c.find_or_create_user({.external_id = "ext-10", .email = "eve@x.org"}), stowage::conflict_error);
  CHECK(c.get_user(other.id).email == std::nullopt);
  CHECK_THROWS_AS(c.find_or_create_user({.name = "no id"}), stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("a conversation keeps its fields and belongs to an existing user", "[conformance][models]",
                        conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto u = c.create_user({.external_id = "u"});
  auto conv = c.create_conversation({.user_id = u.id,
                                     .agent = "travel",
                                     .title = "Trip to Kraków ✈",
                                     .primer = "You plan trips.",
                                     .context = {{"city", "Kraków"}, {"days", 3}}});
  auto back = c.get_conversation(conv.id);
  CHECK(back.title == "Trip to Kraków ✈");
  CHECK(back.agent == "travel");
  CHECK(back.primer == "You plan trips.");
  CHECK(back.context == nlohmann::json{{"city", "Kraków"}, {"days", 3}});
  CHECK(back.created_at == conv.created_at);
  CHECK(back.user_id == u.id);
  CHECK_THROWS_AS(c.create_conversation({.user_id = stowage::new_uuid(), .agent = "travel"}), stowage::not_found_error);
  CHECK_THROWS_AS(c.create_conversation({.user_id = u.id, .agent = ""}), stowage::bad_input_error);
  CHECK_THROWS_AS(c.create_conversation({.user_id = u.id, .agent = "a", .context = nlohmann::json::array()}),
                  stowage::bad_input_error);
  CHECK(s->template table<conversation>().count() == 1);
  CHECK_THROWS_AS(c.get_conversation(stowage::new_uuid()), stowage::not_found_error);

  back.context["days"] = 4;
  back.title = "Trip";
  back.primer = std::nullopt;
  auto updated = c.update_conversation(back);
  CHECK(updated.created_at == conv.created_at);
  CHECK(c.get_conversation(conv.id).context["days"] == 4);
  CHECK(c.get_conversation(conv.id).primer == std::nullopt);
  back.user_id = stowage::new_uuid();
  CHECK_THROWS_AS(c.update_conversation(back), stowage::not_found_error);
  CHECK(c.get_conversation(conv.id).user_id == u.id);
}

TEMPLATE_LIST_TEST_CASE("appended messages take turns 1, 2, 3 and read back in pages both ways",
                        "[conformance][models]", conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto u = c.create_user({.email = "a@x.org"});
  auto conv = c.create_conversation({.user_id = u.id, .agent = "helper"});
  auto other = c.create_conversation({.user_id = u.id, .agent = "helper"});
  CHECK(c.find_last_message(conv.id) == std::nullopt);
  CHECK(c.history(conv.id).page(10).empty());

  std::string long_text(192, 'x');  // longer than the 191 characters ConvoStack's MySQL schema holds
  long_text += " żółć 😀";
  for (int i = 1; i <= 7; ++i) {
    auto m = c.append(conv.id, {.role = i % 2 ? "human" : "ai",
                                .content = long_text + std::to_string(i),
                                .user_id = i % 2 ? std::optional(u.id) : std::nullopt});
    CHECK(m.turn == i);
  }
  CHECK(c.append(other.id, {.role = "human", .content = "elsewhere"}).turn == 1);
  auto last = c.find_last_message(conv.id);
  REQUIRE(last);
  CHECK(last->turn == 7);
  CHECK(last->content == long_text + "7");
  CHECK(last->user_id == u.id);
  CHECK(c.get_message(last->id).content == long_text + "7");

  std::vector<std::int64_t> seen;
  auto p = c.history(conv.id).page(3);
  for (;;) {
    for (const auto& m : p) {
      seen.push_back(m.turn);
      CHECK(m.content == long_text + std::to_string(m.turn));
      CHECK(m.role == (m.turn % 2 ? "human" : "ai"));
    }
    if (!p.next) break;
    p = c.history(conv.id).page_after(*p.next, 3);
  }
  CHECK(seen == one_to(7));
  seen.clear();
  for (const auto& m : c.history(conv.id)) seen.push_back(m.turn);  // the query read whole: the same order
  CHECK(seen == one_to(7));
  seen.clear();
  p = c.history(conv.id, stowage::desc).page(4);
  for (;;) {
    for (const auto& m : p) seen.push_back(m.turn);
    if (!p.next) break;
    p = c.history(conv.id, stowage::desc).page_after(*p.next, 4);
  }
  CHECK(seen == std::vector<std::int64_t>{7, 6, 5, 4, 3, 2, 1});
  // a token of one direction is no token of the other
  CHECK_THROWS_AS(c.history(conv.id, stowage::desc).page_after(*c.history(conv.id).page(2).next, 2),
                  stowage::bad_input_error);

  SECTION("a message over a megabyte round-trips") {
    std::string big;
    while (big.size() < (1u << 20) + 10) big += "line ü 😀 0123456789\n";
    auto m = c.append(conv.id, {.role = "ai", .content = big, .pending = true});
    CHECK(m.turn == 8);
    auto back = c.get_message(m.id);
    CHECK(back.content == big);
    CHECK(back.pending);
    CHECK(back.created_at == m.created_at);
    CHECK(back.user_id == std::nullopt);
    back.content = "done";
    back.pending = false;
    back.turn = 99;  // update changes role, content and pending only
    auto updated = c.update_message(back);
    CHECK(updated.turn == 8);
    CHECK(c.get_message(m.id).content == "done");
    CHECK_FALSE(c.get_message(m.id).pending);
  }
  SECTION("errors change nothing") {
    CHECK_THROWS_AS(c.append(stowage::new_uuid(), {.role = "ai", .content = "x"}), stowage::not_found_error);
    CHECK_THROWS_AS(c.append(conv.id, {.role = "ai", .content = "x", .user_id = stowage::new_uuid()}),
                    stowage::not_found_error);
    CHECK_THROWS_AS(c.append(conv.id, {.role = "", .content = "x"}), stowage::bad_input_error);
    CHECK(s->template table<conversation_message>().count() == 8);
    CHECK_THROWS_AS(c.get_message(stowage::new_uuid()), stowage::not_found_error);
    CHECK_THROWS_AS(c.delete_message(stowage::new_uuid()), stowage::not_found_error);
  }
  SECTION("after the last message is deleted, its turn is given again") {
    c.delete_message(last->id);
    CHECK(c.append(conv.id, {.role = "ai", .content = "again"}).turn == 7);
  }
}

TEMPLATE_LIST_TEST_CASE("a user's conversations list by last activity, a page at a time", "[conformance][models]",
                        conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto u = c.create_user({.email = "a@x.org"});
  auto someone_else = c.create_user({.email = "b@x.org"});
  std::vector<conversation> made;
  for (int i = 0; i < 5; ++i) {
    made.push_back(c.create_conversation({.user_id = u.id, .agent = "a", .title = std::to_string(i)}));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct times
  }
  c.create_conversation({.user_id = someone_else.id, .agent = "a"});
  // conversation 1 gets a message, so it is the most recent; then 3
  c.append(made[1].id, {.role = "human", .content = "hi"});
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  c.append(made[3].id, {.role = "human", .content = "hi"});
  CHECK(c.get_conversation(made[3].id).updated_at == c.find_last_message(made[3].id)->created_at);

  std::vector<std::string> titles;
  auto p = c.conversations_of(u.id).page(2);
  for (;;) {
    for (const auto& conv : p) titles.push_back(conv.title);
    if (!p.next) break;
    p = c.conversations_of(u.id).page_after(*p.next, 2);
  }
  CHECK(titles == std::vector<std::string>{"3", "1", "4", "2", "0"});
  CHECK(c.conversations_of(u.id).count() == 5);
  CHECK(c.conversations_of(stowage::new_uuid()).page(2).empty());

  SECTION("unless appending is told to leave the conversation alone") {
    conversations quiet{*s, {.touch_on_append = false}};
    auto before = quiet.get_conversation(made[0].id).updated_at;
    quiet.append(made[0].id, {.role = "human", .content = "hi"});
    CHECK(quiet.get_conversation(made[0].id).updated_at == before);
    CHECK(quiet.conversations_of(u.id).page(1).records.at(0).title == "3");
  }
}

TEMPLATE_LIST_TEST_CASE("deleting a conversation deletes its messages, and a user only without conversations",
                        "[conformance][models]", conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto ann = c.create_user({.email = "ann@x.org"});
  auto bob = c.create_user({.email = "bob@x.org"});
  auto conv = c.create_conversation({.user_id = ann.id, .agent = "a"});
  auto kept = c.create_conversation({.user_id = ann.id, .agent = "a"});
  for (int i = 0; i < 3; ++i) {
    c.append(conv.id, {.role = "human", .content = "hi", .user_id = bob.id});  // bob joined ann's conversation
    c.append(kept.id, {.role = "human", .content = "hi", .user_id = ann.id});
  }
  auto messages = s->template table<conversation_message>();

  c.delete_conversation(conv.id);
  CHECK(c.find_conversation(conv.id) == std::nullopt);
  CHECK(messages.count(stowage::where<&conversation_message::conversation_id> == conv.id) == 0);
  CHECK(messages.count() == 3);
  CHECK_THROWS_AS(c.delete_conversation(conv.id), stowage::not_found_error);

  // ann still has a conversation: refused, and everything stays
  try {
    c.delete_user(ann.id);
    FAIL("deleting a user with a conversation succeeded");
  } catch (const stowage::constraint_error& e) {
    CHECK(e.key() == stowage::uuid_text(ann.id));
    CHECK(e.record() == "conversation_user");
  }
  CHECK(c.find_user(ann.id));
  CHECK(messages.count(stowage::where<&conversation_message::user_id> == ann.id) == 3);

  // bob wrote in ann's conversation and has none of his own
  auto other = c.create_conversation({.user_id = ann.id, .agent = "a"});
  c.append(other.id, {.role = "human", .content = "from bob", .user_id = bob.id});
  c.delete_user(bob.id);
  CHECK(c.find_user(bob.id) == std::nullopt);
  auto orphan = c.find_last_message(other.id);
  REQUIRE(orphan);
  CHECK(orphan->content == "from bob");
  CHECK(orphan->user_id == std::nullopt);
  CHECK(messages.count(stowage::where<&conversation_message::user_id> == ann.id) == 3);
  CHECK_THROWS_AS(c.delete_user(bob.id), stowage::not_found_error);

  c.delete_conversation(kept.id);
  c.delete_conversation(other.id);
  c.delete_user(ann.id);
  CHECK(messages.count() == 0);
  CHECK(s->template table<conversation_user>().count() == 0);
}

TEMPLATE_LIST_TEST_CASE("a model write fails whole: a message appended in a rolled-back transaction leaves nothing",
                        "[conformance][models]", conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto u = c.create_user({.email = "a@x.org"});
  auto conv = c.create_conversation({.user_id = u.id, .agent = "a"});
  c.append(conv.id, {.role = "human", .content = "kept"});
  auto before = c.get_conversation(conv.id);
  {
    auto tx = s->transaction();  // the model's transactions nest in the caller's
    c.append(conv.id, {.role = "ai", .content = "dropped"});
    c.delete_conversation(conv.id);
    CHECK(c.find_conversation(conv.id) == std::nullopt);
  }
  CHECK(turns_of(*s, conv.id) == one_to(1));
  CHECK(c.get_conversation(conv.id).updated_at == before.updated_at);
  CHECK(c.find_last_message(conv.id)->content == "kept");
}

TEMPLATE_LIST_TEST_CASE("eight threads appending to one conversation never share a turn",
                        "[conformance][models][threads]", conformance_backends) {
  store<TestType> s;
  conversations c{*s};
  auto u = c.create_user({.email = "a@x.org"});
  auto conv = c.create_conversation({.user_id = u.id, .agent = "a"});
  constexpr int threads = 8, per_thread = 20;
  std::atomic<int> failures{0};
  std::mutex first_failure_mutex;
  std::string first_failure;  // Catch2's macros are for the test's own thread
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) try {
          c.append(conv.id, {.role = "human", .content = std::to_string(t) + ":" + std::to_string(i)});
        } catch (const std::exception& e) {
          if (failures++ == 0) {
            std::lock_guard lock(first_failure_mutex);
            first_failure = e.what();
          }
        }
    });
  for (auto& th : pool) th.join();
  INFO(first_failure);
  CHECK(failures == 0);
  CHECK(turns_of(*s, conv.id) == one_to(threads * per_thread));
  // each thread's messages are in the order it appended them
  std::vector<int> next(threads, 0);
  for (const auto& m :
       s->template table<conversation_message>().query().template order_by<&conversation_message::turn>()) {
    auto colon = m.content.find(':');
    int t = std::stoi(m.content.substr(0, colon));
    CHECK(std::stoi(m.content.substr(colon + 1)) == next[static_cast<std::size_t>(t)]++);
  }
}

TEMPLATE_LIST_TEST_CASE("two processes appending to one conversation never share a turn",
                        "[conformance][models][processes]", conformance_backends) {
  if constexpr (!TestType::persistent) {
    SUCCEED("one process only: the store lives in it");
  } else {
    store<TestType> s;
    conversations c{*s};
    auto u = c.create_user({.email = "a@x.org"});
    auto conv = c.create_conversation({.user_id = u.id, .agent = "a"});
    constexpr int processes = 2, per_process = 100;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
      pid_t pid = ::fork();
      if (pid == 0) {
        // the child's own database: what it inherited belongs to the parent (never closed here,
        // so that the parent's connections stay whole)
        int status = 0;
        try {
          auto db = s.another();
          conversations mine{*db};
          for (int i = 0; i < per_process; ++i) mine.append(conv.id, {.role = "human", .content = std::to_string(p)});
        } catch (const std::exception& e) {
          std::fprintf(stderr, "child %d: %s\n", p, e.what());
          status = 1;
        }
        std::_Exit(status);
      }
      REQUIRE(pid > 0);
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(turns_of(*s, conv.id) == one_to(processes * per_process));
  }
}
