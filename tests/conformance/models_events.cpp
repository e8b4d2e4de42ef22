// The events model on every backend: saving (defaults, immutability, upsert, all or nothing),
// queries (each filter, combined, sorts, pages, link and payload predicates), links, files
// (content addressing, streams, ranges, references), retention, threads and processes.
#include <catch2/catch.hpp>

#include <stowage/models/events.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"

using namespace conformance;
using namespace std::chrono_literals;
using stowage::models::event;
using stowage::models::event_query;
using stowage::models::new_event;
using stowage::models::new_file;
using stowage::models::new_link;

namespace {

const stowage::timestamp t0{std::chrono::seconds{1'700'000'000}};

stowage::bytes bytes_of(std::string_view s) {
  return stowage::bytes(reinterpret_cast<const std::byte*>(s.data()),
                        reinterpret_cast<const std::byte*>(s.data()) + s.size());
}
std::string text_of(const stowage::bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

new_event make(std::string schema, stowage::timestamp at, nlohmann::json payload, std::string producer = "core") {
  return {
      .schema_id = std::move(schema), .producer = std::move(producer), .created_at = at, .payload = std::move(payload)};
}

template <class B>
std::uint64_t blob_count(stowage::database<B>& db) {
  return db.template table<stowage::detail::blob_record>().count();
}

template <class B>
std::vector<stowage::uuid> ids_of(const stowage::query<event, B>& q) {
  std::vector<stowage::uuid> out;
  for (const event& e : q) out.push_back(e.id);
  return out;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("an event is saved with its defaults filled in and read back as saved",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  new_event in;
  in.schema_id = "order.created";
  in.payload = nlohmann::json{{"order", 17}, {"lines", {1, 2}}, {"note", "é\"x"}};
  in.metadata = nlohmann::json{{"ip", "10.0.0.1"}};
  const auto before = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  event saved = events.save_event(in);
  CHECK_FALSE(saved.id.is_nil());
  CHECK(saved.producer == "core");
  CHECK(saved.created_at >= before);
  event back = events.get_event(saved.id);
  CHECK(back.id == saved.id);
  CHECK(back.created_at == saved.created_at);
  CHECK(back.payload == in.payload);
  CHECK(back.metadata == in.metadata);
  CHECK(back.producer == "core");
  CHECK_FALSE(events.find_event(stowage::new_uuid()));
  CHECK_THROWS_AS(events.get_event(stowage::new_uuid()), stowage::not_found_error);

  // a record like any other: the table answers where<> queries
  CHECK(s->template table<event>().count(stowage::where<&event::schema_id> == "order.created") == 1);

  CHECK_THROWS_AS(events.save_event(new_event{}), stowage::bad_input_error);
  CHECK_THROWS_AS(events.save_event({.schema_id = "x", .producer = ""}), stowage::bad_input_error);
  CHECK_THROWS_AS(events.save_event(make("x", t0, {}), {}, {{.type = "", .target = saved.id}}),
                  stowage::bad_input_error);
  CHECK_THROWS_AS(events.save_event(make("x", t0, {}), {{.media_type = ""}}), stowage::bad_input_error);
  CHECK(events.query_events().count() == 1);
}

TEMPLATE_LIST_TEST_CASE("events are immutable unless upserted, and an upsert replaces links and files",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  event target = events.save_event(make("t", t0, {}));
  event e =
      events.save_event(make("a", t0 + 1s, {{"v", 1}}), {{.media_type = "text/plain", .content = bytes_of("one")}},
                        {{.type = "ref", .target = target.id}});
  try {
    events.save_event(stowage::models::to_new_event(e), {{.media_type = "text/plain", .content = bytes_of("two")}},
                      {{.type = "x", .target = target.id}});
    FAIL("a second save of one id was accepted");
  } catch (const stowage::conflict_error& err) {
    CHECK(err.table() == "events");
    CHECK_THAT(err.key(), Catch::Contains(stowage::uuid_text(e.id)));
  }
  CHECK(events.get_event(e.id).payload == nlohmann::json{{"v", 1}});
  CHECK(events.get_links(e.id).size() == 1);
  CHECK(s->template table<stowage::models::event_file>().count() == 1);  // "two" is not kept

  new_event changed = stowage::models::to_new_event(e);
  changed.payload = nlohmann::json{{"v", 2}};
  changed.files.clear();
  event up = events.upsert_event(changed, {{.media_type = "text/plain", .content = bytes_of("three")}},
                                 {{.type = "other", .target = target.id}, {.type = "other2", .target = target.id}});
  CHECK(events.get_event(e.id).payload == nlohmann::json{{"v", 2}});
  auto links = events.get_links(e.id);
  REQUIRE(links.size() == 2);
  CHECK(links[0].type == "other");
  CHECK(links[1].type == "other2");
  REQUIRE(up.files.size() == 1);
  CHECK(text_of(events.read_file(up.files[0])) == "three");
  CHECK_FALSE(events.find_file(e.files.at(0)));  // the old file had no other user
  CHECK(blob_count(*s) == 1);
}

TEMPLATE_LIST_TEST_CASE("a save that fails in the middle leaves no event, file, blob or link",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  event first =
      events.save_event(make("a", t0, {}), {{.id = "taken", .media_type = "text/plain", .content = bytes_of("x")}});
  const auto files = s->template table<stowage::models::event_file>().count();
  const auto blobs = blob_count(*s);

  SECTION("a file whose id is taken, after a file was stored") {
    new_event e = make("b", t0 + 1s, {});
    e.id = stowage::new_uuid();
    CHECK_THROWS_AS(events.save_event(e,
                                      {{.media_type = "text/plain", .content = bytes_of("fresh content")},
                                       {.id = "taken", .media_type = "text/plain", .content = bytes_of("y")}},
                                      {{.type = "ref", .target = first.id}}),
                    stowage::conflict_error);
    CHECK_FALSE(events.find_event(e.id));
  }
  SECTION("a file listed by id that is not stored") {
    new_event e = make("b", t0 + 1s, {});
    e.files = {"taken", "missing"};
    CHECK_THROWS_AS(events.save_event(e, {{.media_type = "text/plain", .content = bytes_of("fresh content")}}),
                    stowage::not_found_error);
    CHECK(events.get_file("taken").uses == 1);
  }
  SECTION("an event id that is taken, after its files and before its links") {
    new_event again = stowage::models::to_new_event(first);
    again.files.clear();
    CHECK_THROWS_AS(events.save_event(again, {{.media_type = "text/plain", .content = bytes_of("fresh content")}},
                                      {{.type = "ref", .target = first.id}}),
                    stowage::conflict_error);
  }
  CHECK(events.query_events().count() == 1);
  CHECK(s->template table<stowage::models::event_link>().count() == 0);
  CHECK(s->template table<stowage::models::event_file>().count() == files);
  CHECK(blob_count(*s) == blobs);
}

TEMPLATE_LIST_TEST_CASE("queries filter by schema, producer, time, links and payload, alone and together",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  event root = events.save_event(make("root", t0, {}));
  event other = events.save_event(make("root", t0 + 1s, {}));
  std::vector<event> e;
  for (int i = 0; i < 8; ++i) {
    std::vector<new_link> links{{.type = i % 2 ? "child" : "ref", .target = root.id}};
    if (i % 3 == 0) links.push_back({.type = "ref", .target = other.id});
    e.push_back(events.save_event(
        make(i % 2 ? "order.paid" : "order.created", t0 + std::chrono::minutes(i),
             {{"order", i % 4}, {"who", {{"name", i < 4 ? "ada" : "bob"}}}}, i < 6 ? "shop" : "billing"),
        {}, links));
  }
  auto ids = [&](std::initializer_list<int> is) {
    std::vector<stowage::uuid> out;
    for (int i : is) out.push_back(e[static_cast<std::size_t>(i)].id);
    return out;
  };
  auto run = [&](const event_query& q) {
    std::vector<stowage::uuid> out;
    for (const event& x : events.query_events(q))
      if (x.schema_id != "root") out.push_back(x.id);
    return out;
  };

  CHECK(run({.schema_ids = {"order.paid"}}) == ids({1, 3, 5, 7}));
  CHECK(run({.schema_ids = {"order.paid", "order.created"}}) == ids({0, 1, 2, 3, 4, 5, 6, 7}));
  CHECK(run({.producers = {"billing"}}) == ids({6, 7}));
  CHECK(run({.from = t0 + 2min, .to = t0 + 4min}) == ids({2, 3, 4}));  // both ends inclusive
  CHECK(run({.links = {{.type = "child"}}}) == ids({1, 3, 5, 7}));
  CHECK(run({.links = {{.target = other.id}}}) == ids({0, 3, 6}));
  CHECK(run({.links = {{.type = "ref", .target = root.id}, {.type = "ref", .target = other.id}}}) == ids({0, 6}));
  CHECK(run({.links = {{.type = "child", .target = root.id}, {.target = other.id}}}) == ids({3}));
  CHECK(run({.links = {{.type = "nothing"}}}).empty());
  CHECK(run({.payload = {{"/order", 1}}}) == ids({1, 5}));
  CHECK(run({.payload = {{"/order", 1}, {"/who/name", "bob"}}}) == ids({5}));
  CHECK(run({.payload = {{"/order", "1"}}}).empty());  // a string is not the number
  CHECK(run({.schema_ids = {"order.created"},
             .producers = {"shop"},
             .from = t0 + 1min,
             .links = {{.type = "ref"}},
             .payload = {{"/who/name", "bob"}}}) == ids({4}));

  // the default order is created time, then id; a sort of several fields keeps the id last
  auto all = ids_of(events.query_events({.schema_ids = {"order.paid", "order.created"}}));
  CHECK(all == ids({0, 1, 2, 3, 4, 5, 6, 7}));
  auto sorted = ids_of(events.query_events({.schema_ids = {"order.paid", "order.created"},
                                            .sort = {{stowage::models::event_field::schema_id, stowage::desc},
                                                     {stowage::models::event_field::created_at, stowage::desc}}}));
  CHECK(sorted == ids({7, 5, 3, 1, 6, 4, 2, 0}));
  auto by_producer =
      ids_of(events.query_events({.schema_ids = {"order.paid"}, .sort = {{stowage::models::event_field::producer}}}));
  CHECK(by_producer == ids({7, 1, 3, 5}));

  // keyset pages through the same order
  event_query q{.schema_ids = {"order.paid", "order.created"},
                .sort = {{stowage::models::event_field::created_at, stowage::desc}}};
  std::vector<stowage::uuid> paged;
  auto page = events.query_events(q).page(3);
  for (;;) {
    for (const event& x : page) paged.push_back(x.id);
    if (!page.next) break;
    page = events.query_events(q).page_after(*page.next, 3);
  }
  CHECK(paged == ids({7, 6, 5, 4, 3, 2, 1, 0}));
}

TEMPLATE_LIST_TEST_CASE("a query with link predicates built again between pages continues them as links are saved",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  event root = events.save_event(make("root", t0, {}));
  std::vector<event> e;  // the even ones link to root
  for (int i = 0; i < 8; ++i) {
    std::vector<new_link> links;
    if (i % 2 == 0) links.push_back({.type = "child", .target = root.id});
    e.push_back(events.save_event(make("order", t0 + std::chrono::minutes(i + 1), {{"i", i}}), {}, links));
  }
  // what a stateless server does: the query is built from the request's event_query each time
  const event_query q{.links = {{.type = "child", .target = root.id}}};
  std::vector<stowage::uuid> paged;
  auto page = events.query_events(q).page(2);
  for (const event& x : page) paged.push_back(x.id);
  REQUIRE(page.next);
  const std::string first_token = *page.next;
  // matching links saved between pages: on an event behind the reader (not read), one ahead of
  // it (read) and on a new event (read, last)
  events.upsert_event(stowage::models::to_new_event(e[1]), {}, {{.type = "child", .target = root.id}});
  events.upsert_event(stowage::models::to_new_event(e[5]), {}, {{.type = "child", .target = root.id}});
  event late = events.save_event(make("order", t0 + 1h, {}), {}, {{.type = "child", .target = root.id}});
  while (page.next) {
    page = events.query_events(q).page_after(*page.next, 2);
    for (const event& x : page) paged.push_back(x.id);
  }
  CHECK(paged == std::vector<stowage::uuid>{e[0].id, e[2].id, e[4].id, e[5].id, e[6].id, late.id});

  // a token serves the same event_query only
  auto refused = [&](const event_query& other) {
    CHECK_THROWS_AS(events.query_events(other).page_after(first_token, 2), stowage::bad_input_error);
  };
  refused({.links = {{.type = "ref", .target = root.id}}});
  refused({.links = {{.target = root.id}}});
  refused({.links = {{.type = "child", .target = root.id}, {.type = "child"}}});
  refused({.schema_ids = {"order"}, .links = {{.type = "child", .target = root.id}}});
  refused({.links = {{.type = "child", .target = root.id}},
           .sort = {{stowage::models::event_field::created_at, stowage::desc}}});
  refused({});
  CHECK_THROWS_AS(s->template table<event>().query().template order_by<&event::created_at>().page_after(first_token, 2),
                  stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("an event's links come in the order they were saved, and lead to its linked events",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  event a = events.save_event(make("a", t0, {}));
  event b = events.save_event(make("b", t0 + 1s, {}));
  const stowage::uuid never_stored = stowage::new_uuid();
  event c = events.save_event(make("c", t0 + 2s, {}), {},
                              {{.type = "parent", .target = b.id},
                               {.type = "ref", .target = a.id, .metadata = nlohmann::json{{"why", "see"}}},
                               {.type = "parent", .target = a.id},
                               {.type = "ref", .target = never_stored},
                               {.type = "ref", .target = a.id}});
  auto links = events.get_links(c.id);
  REQUIRE(links.size() == 5);
  CHECK(links[0].target == b.id);
  CHECK(links[1].metadata == nlohmann::json{{"why", "see"}});
  CHECK(links[2].type == "parent");
  CHECK(links[3].target == never_stored);
  for (const auto& l : links) CHECK(l.source == c.id);
  auto parents = events.get_links(c.id, "parent");
  REQUIRE(parents.size() == 2);
  CHECK(parents[0].target == b.id);
  CHECK(parents[1].target == a.id);
  CHECK(events.get_links(a.id).empty());

  auto linked = events.get_linked_events(c.id);
  REQUIRE(linked.size() == 4);  // the target never stored is left out; a twice-linked one comes twice
  CHECK(linked[0].id == b.id);
  CHECK(linked[1].id == a.id);
  CHECK(linked[3].id == a.id);
  auto refs = events.get_linked_events(c.id, "ref");
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].schema_id == "a");
}

TEMPLATE_LIST_TEST_CASE("files keep their metadata, are read whole, as a stream or by range, and are stored once",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  std::string content(10'000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 251);
  event a = events.save_event(
      make("a", t0, {}), {{.media_type = "application/octet-stream", .name = "data.bin", .content = bytes_of(content)},
                          {.id = "s3-photo", .media_type = "image/png", .uri = "s3://bucket/photo.png", .size = 42}});
  REQUIRE(a.files.size() == 2);
  auto f = events.get_file(a.files[0]);
  CHECK(f.media_type == "application/octet-stream");
  CHECK(f.name == "data.bin");
  CHECK(f.size == content.size());
  REQUIRE(f.sha256);
  CHECK(f.id == "sha256:" + *f.sha256);
  CHECK(text_of(events.read_file(f.id)) == content);
  CHECK(text_of(events.read_file(f.id, 9'990, 100)) == content.substr(9'990));
  auto reader = events.open_file(f.id, 100, 50);
  char buf[64];
  CHECK(reader.read(buf, sizeof buf) == 50);
  CHECK(std::string(buf, 50) == content.substr(100, 50));
  std::uint64_t streamed = 0;
  for (auto piece : events.open_file(f.id)) streamed += piece.size();
  CHECK(streamed == content.size());

  auto ref = events.get_file("s3-photo");
  CHECK(ref.uri == "s3://bucket/photo.png");
  CHECK(ref.size == 42);
  CHECK_FALSE(ref.blob);
  CHECK_THROWS_AS(events.read_file("s3-photo"), stowage::bad_input_error);
  CHECK_THROWS_AS(events.read_file("no-such-file"), stowage::not_found_error);
  CHECK_THROWS_AS(events.get_file("no-such-file"), stowage::not_found_error);
  CHECK_FALSE(events.find_file("no-such-file"));

  // the same content again, and the file listed by id: one file record, one blob, three uses
  event b = events.save_event(make("b", t0 + 1s, {}),
                              {{.media_type = "application/octet-stream", .content = bytes_of(content)}});
  new_event c_in = make("c", t0 + 2s, {});
  c_in.files = {f.id};
  event c = events.save_event(c_in);
  CHECK(b.files == std::vector<std::string>{f.id});
  CHECK(c.files == std::vector<std::string>{f.id});
  CHECK(events.get_file(f.id).uses == 3);
  CHECK(blob_count(*s) == 1);
  // a reference file gets a uuid when it has no id
  event d = events.save_event(make("d", t0 + 3s, {}), {{.media_type = "text/html", .uri = "https://example.com/"}});
  CHECK(stowage::parse_uuid(d.files.at(0)));
}

TEMPLATE_LIST_TEST_CASE("prune_before deletes old events with their links and the files no other event uses",
                        "[conformance][models_events]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s};
  std::vector<event> e;
  for (int i = 0; i < 7; ++i) {
    std::vector<new_file> files{{.media_type = "text/plain", .content = bytes_of("own " + std::to_string(i))},
                                {.media_type = "text/plain", .content = bytes_of("shared")}};
    std::vector<new_link> links;
    if (i > 0) links.push_back({.type = "next", .target = e.back().id});
    e.push_back(events.save_event(make("tick", t0 + std::chrono::minutes(i), {{"i", i}}), files, links));
  }
  const std::string shared = e[0].files[1];
  CHECK(events.get_file(shared).uses == 7);

  CHECK(events.prune_before(t0 + 5min, 2) == 5);  // three batches of at most two
  CHECK(events.query_events().count() == 2);
  CHECK_FALSE(events.find_event(e[4].id));
  CHECK(events.get_event(e[5].id).payload == nlohmann::json{{"i", 5}});
  CHECK(s->template table<stowage::models::event_link>().count() == 2);  // 5 -> 4 and 6 -> 5 remain
  CHECK(events.get_file(shared).uses == 2);
  CHECK_FALSE(events.find_file(e[4].files[0]));
  CHECK(events.find_file(e[5].files[0]));
  CHECK(blob_count(*s) == 3);  // 5's, 6's and the shared one
  CHECK(events.get_linked_events(e[6].id).size() == 1);
  CHECK(events.get_linked_events(e[5].id).empty());  // its target is gone

  CHECK(events.prune_before(t0 + 5min) == 0);
  CHECK(events.prune_before(t0 + 1h) == 2);
  CHECK(s->template table<stowage::models::event_file>().count() == 0);
  CHECK(blob_count(*s) == 0);
  CHECK_THROWS_AS(events.prune_before(t0, 0), stowage::bad_input_error);
  CHECK_THROWS_AS(events.prune_before(t0, 1'000'000), stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("events saved from several threads, and processes, sharing a file lose nothing",
                        "[conformance][models_events][threads]", conformance_backends) {
  store<TestType> s;
  stowage::models::events events{*s, stowage::retry_options().attempts(40)};  // twice the default budget
  event root = events.save_event(make("root", t0, {}));
  constexpr int threads = 4, per_thread = 40;
  auto work = [&root](stowage::models::events<typename TestType::type> model, int who, int n) {
    for (int i = 0; i < n; ++i)
      model.save_event(make("work", t0 + std::chrono::seconds(1 + who * 1000 + i), {{"who", who}}),
                       {{.media_type = "text/plain", .content = bytes_of("the same content")}},
                       {{.type = "part-of", .target = root.id}});
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, events, t, per_thread);
  for (auto& th : pool) th.join();
  int expected = threads * per_thread;

  if constexpr (TestType::persistent) {
    // two processes, each with its own database object on the same store
    constexpr int per_process = 60;
    std::vector<pid_t> children;
    for (int p = 0; p < 2; ++p) {
      pid_t child = ::fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        int rc = 0;
        try {
          auto db = s.another();
          work(stowage::models::events{*db}, 100 + p, per_process);
        } catch (...) {
          rc = 1;
        }
        ::_exit(rc);
      }
      children.push_back(child);
    }
    for (pid_t c : children) {
      int status = 0;
      ::waitpid(c, &status, 0);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    expected += 2 * per_process;
  }
  CHECK(events.query_events({.schema_ids = {"work"}}).count() == static_cast<std::uint64_t>(expected));
  CHECK(events.query_events({.links = {{.type = "part-of", .target = root.id}}}).count() ==
        static_cast<std::uint64_t>(expected));
  CHECK(s->template table<stowage::models::event_file>().count() == 1);
  CHECK(events.get_file(events.query_events({.schema_ids = {"work"}}).first()->files.at(0)).uses == expected);
  CHECK(blob_count(*s) == 1);
}
