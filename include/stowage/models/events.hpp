// The events model (Trove semantics): immutable events with a JSON payload, typed links between
// them and files whose content lives in the blob store, over any backend:
//
//     stowage::models::events<stowage::sqlite> events{db};
//     event e = events.save_event({.schema_id = "order.created", .payload = {{"order", 17}}}, files, links);
//
// Tables: events, event_links, event_files, and the blob store's own. Every write that touches
// several records is one transaction (stowage::transact), so a failure leaves none of them.
#pragma once

#include <stowage/blobs.hpp>
#include <stowage/json.hpp>
#include <stowage/uuid.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stowage::models {

/// One stored event. `files` lists the ids of the event's files, in the order they were given.
struct event {
  BOOST_HANA_DEFINE_STRUCT(event,
    (stowage::uuid, id),
    (std::string, schema_id),
    (std::string, producer),
    (stowage::timestamp, created_at),
    (nlohmann::json, payload),
    (std::optional<nlohmann::json>, metadata),
    (std::vector<std::string>, files));
};

/// A link from one event to another. Its id is a time-ordered uuid given when it is saved, so
/// the links of an event read back in the order they were saved.
struct event_link {
  BOOST_HANA_DEFINE_STRUCT(event_link,
    (stowage::uuid, id),
    (stowage::uuid, source),
    (std::string, type),
    (stowage::uuid, target),
    (std::optional<nlohmann::json>, metadata));
};

/// A file's metadata. Its content is a blob of the store (`blob`, content-addressed: the same
/// bytes are stored once) or lives elsewhere (`uri`, a reference). `uses` counts the events
/// that list the file; the last one pruned takes the file with it.
struct event_file {
  BOOST_HANA_DEFINE_STRUCT(event_file,
    (std::string, id),
    (std::string, media_type),
    (std::optional<std::string>, name),
    (std::uint64_t, size),
    (std::optional<std::string>, sha256),
    (std::optional<std::string>, blob),
    (std::optional<std::string>, uri),
    (std::int64_t, uses),
    (stowage::timestamp, created_at));
};

}  // namespace stowage::models

template <>
struct stowage::record_traits<stowage::models::event> {
  static constexpr std::string_view table = "events";
  using indexes = std::tuple<stowage::index<&stowage::models::event::created_at, &stowage::models::event::id>,
                             stowage::index<&stowage::models::event::schema_id, &stowage::models::event::created_at>,
                             stowage::index<&stowage::models::event::producer, &stowage::models::event::created_at>>;
};

template <>
struct stowage::record_traits<stowage::models::event_link> {
  static constexpr std::string_view table = "event_links";
  using indexes = std::tuple<stowage::index<&stowage::models::event_link::source, &stowage::models::event_link::id>,
                             stowage::index<&stowage::models::event_link::target, &stowage::models::event_link::type>,
                             stowage::index<&stowage::models::event_link::type>>;
};

template <>
struct stowage::record_traits<stowage::models::event_file> {
  static constexpr std::string_view table = "event_files";
  using indexes = std::tuple<stowage::index<&stowage::models::event_file::blob>>;
};

namespace stowage::models {

/// An event given to save_event (every member has a default, so a designated initializer may
/// name only the ones it sets): a nil id becomes a new time-ordered uuid, no created time the
/// current one (microseconds). `files` lists stored files the event uses too.
struct new_event {
  stowage::uuid id{};
  std::string schema_id{};
  std::string producer = "core";
  std::optional<stowage::timestamp> created_at{};
  nlohmann::json payload{};
  std::optional<nlohmann::json> metadata{};
  std::vector<std::string> files{};
};

/// The new_event that saves `e` again (to upsert it changed). Its links are not part of it:
/// upsert_event replaces the stored links with those it is given, so give them again to keep them.
inline new_event to_new_event(event e) {
  return {e.id,
          std::move(e.schema_id),
          std::move(e.producer),
          e.created_at,
          std::move(e.payload),
          std::move(e.metadata),
          std::move(e.files)};
}

/// A link given to save_event: from the event being saved to `target`.
struct new_link {
  std::string type{};
  stowage::uuid target{};
  std::optional<nlohmann::json> metadata{};
};

/// A file given to save_event: its content, or a reference (`uri`, with the size and SHA-256
/// when known). An empty id becomes "sha256:<hex>" for content (a file with that id is then
/// shared, not stored again) and a new uuid for a reference.
struct new_file {
  std::string id{};
  std::string media_type{};
  std::optional<std::string> name{};
  stowage::bytes content{};
  std::optional<std::string> uri{};
  std::uint64_t size = 0;
  std::optional<std::string> sha256{};
};

/// One link predicate of a query: the event has a link of this type (any when empty) to this
/// target (any when empty).
struct link_match {
  std::optional<std::string> type{};
  std::optional<stowage::uuid> target{};
};

/// The fields an event query may sort by.
enum class event_field { created_at, id, schema_id, producer };

struct event_order {
  event_field field = event_field::created_at;
  direction dir = direction::asc;
};

/// What query_events selects: every condition given must hold. Empty lists select everything.
struct event_query {
  std::vector<std::string> schema_ids{};     ///< any of
  std::vector<std::string> producers{};      ///< any of
  std::optional<stowage::timestamp> from{};  ///< created time, inclusive
  std::optional<stowage::timestamp> to{};    ///< created time, inclusive
  std::vector<link_match> links{};           ///< all of them, each matched by some link of the event
  std::vector<std::pair<std::string, nlohmann::json>> payload{};  ///< JSON pointer == value
  std::vector<event_order> sort{};  ///< default: created ascending; the id always breaks ties
};

}  // namespace stowage::models

namespace stowage::detail::events_impl {
using models::event;
using models::event_file;
using models::event_link;
using models::event_query;
using models::link_match;
using models::new_event;
using models::new_file;
using models::new_link;

/// The largest batch of prune_before: the batch's ids go to the backend as one parameter each,
/// and SQLite takes at most 32766.
inline constexpr std::size_t max_prune_batch = 30000;

error_context event_context(std::string key);
error_context file_context(std::string_view key);
/// The event a new_event saves, its defaults filled in.
event event_of(new_event e);
void check_link(const new_link& l);
void check_file(const new_file& f);
[[noreturn]] void event_not_found(const stowage::uuid& id);
[[noreturn]] void event_file_not_found(std::string_view id);
[[noreturn]] void event_file_exists(std::string_view id);
[[noreturn]] void event_file_is_reference(std::string_view id);
/// The filter of a query but for its links; nullopt when it selects everything.
std::optional<predicate<event>> event_filter(const event_query& q);
std::optional<predicate<event_link>> link_filter(const link_match& m);
}  // namespace stowage::detail::events_impl

namespace stowage::models {

/// The events model over database<Backend>: a cheap handle (copy it freely) valid while the
/// database lives. Safe from several threads and processes as the database is: every write is a
/// transaction of its own (retried when it loses a race), and no lock is held besides.
template <class Backend>
class events {
 public:
  /// `retry` says how often a write that lost a race (PostgreSQL's serialization failures) runs
  /// again; the default rides out several writers saving into one store.
  explicit events(database<Backend>& db, retry_options retry = retry_options().attempts(20))
      : db_(&db), blobs_(db, {.content_addressed = true}), retry_(retry) {}

  /// Stores the event, its new files and its links in one transaction, and returns the event as
  /// stored (id, producer, created time and file ids filled in). The ids already in e.files must
  /// be stored files (not_found_error). An event id that is stored already is conflict_error:
  /// events are immutable; upsert_event replaces one.
  event save_event(new_event e, const std::vector<new_file>& files = {}, const std::vector<new_link>& links = {}) {
    return save(std::move(e), files, links, false);
  }

  /// Like save_event, but an event stored under the same id is replaced, with its links (the
  /// given ones replace them) and its files (those no event uses any more are deleted).
  event upsert_event(new_event e, const std::vector<new_file>& files = {}, const std::vector<new_link>& links = {}) {
    return save(std::move(e), files, links, true);
  }

  /// The event; not_found_error when there is none.
  event get_event(const stowage::uuid& id) const {
    if (auto e = find_event(id)) return std::move(*e);
    stowage::detail::events_impl::event_not_found(id);
  }
  std::optional<event> find_event(const stowage::uuid& id) const { return events_table().get(id); }

  /// The events the query selects, as a lazy range in its order: iterate it, or read it a page
  /// at a time with .page(n) and .page_after(token, n). Each link predicate is a sub-query of
  /// event_links (the event's id is among the sources of the links it matches), so the query is
  /// one statement on SQL backends, and reads the links as they are when it runs: the query built
  /// again from the same event_query, after links were saved, continues the pages (a token of
  /// another event_query is bad_input_error).
  auto query_events(const event_query& q = {}) const {
    auto table = events_table();
    std::optional<predicate<event>> p = stowage::detail::events_impl::event_filter(q);
    for (const link_match& m : q.links) {
      auto links = links_table();
      auto match = stowage::detail::events_impl::link_filter(m);
      auto in = where<&event::id>.in(
          (match ? links.query(std::move(*match)) : links.query()).template select<&event_link::source>());
      p = p ? std::move(*p) && std::move(in) : std::move(in);
    }
    auto result = p ? table.query(std::move(*p)) : table.query();
    bool by_id = false;
    for (const event_order& o : q.sort) {
      by_id = by_id || o.field == event_field::id;
      switch (o.field) {
        case event_field::created_at: result = result.order_by(field<&event::created_at>, o.dir); break;
        case event_field::id: result = result.order_by(field<&event::id>, o.dir); break;
        case event_field::schema_id: result = result.order_by(field<&event::schema_id>, o.dir); break;
        case event_field::producer: result = result.order_by(field<&event::producer>, o.dir); break;
      }
    }
    if (q.sort.empty()) result = result.order_by(field<&event::created_at>);
    if (!by_id) result = result.order_by(field<&event::id>);
    return result;
  }

  /// The links saved from the event, in the order they were saved; of one type when given.
  std::vector<event_link> get_links(const stowage::uuid& source, std::optional<std::string_view> type = {}) const {
    auto p = where<&event_link::source> == source;
    if (type) p = std::move(p) && where<&event_link::type> == std::string(*type);
    return links_table().query(std::move(p)).order_by(field<&event_link::id>).to_vector();
  }

  /// The stored events the event links to (of one type when given), in the order of its links;
  /// a target linked twice comes twice, a target that is not stored (pruned) is left out.
  std::vector<event> get_linked_events(const stowage::uuid& source, std::optional<std::string_view> type = {}) const {
    std::vector<stowage::uuid> targets;
    for (const event_link& l : get_links(source, type)) targets.push_back(l.target);
    std::vector<event> out;
    for (auto& e : events_table().get_many(targets))
      if (e) out.push_back(std::move(*e));
    return out;
  }

  /// A file's metadata; not_found_error when there is none.
  event_file get_file(std::string_view id) const {
    if (auto f = find_file(id)) return std::move(*f);
    stowage::detail::events_impl::event_file_not_found(id);
  }
  std::optional<event_file> find_file(std::string_view id) const { return files_table().get(std::string(id)); }

  /// A file's content as a stream (blob_reader: read(buf, n), copy_to(std::ostream&), or a
  /// range of pieces), checked against its SHA-256 as it is read; of bytes [offset, offset + n)
  /// when given. not_found_error for no file; bad_input_error for a reference (no content here).
  blob_reader open_file(std::string_view id) const { return blobs_.open(blob_of(id)); }
  blob_reader open_file(std::string_view id, std::uint64_t offset, std::uint64_t n) const {
    return blobs_.open(blob_of(id), offset, n);
  }
  bytes read_file(std::string_view id) const { return blobs_.read(blob_of(id)); }
  bytes read_file(std::string_view id, std::uint64_t offset, std::uint64_t n) const {
    return blobs_.read(blob_of(id), offset, n);
  }

  /// Deletes the events created before `t` with their links and the files no remaining event
  /// uses, `batch` events per transaction (at most stowage::detail::events_impl::max_prune_batch); returns how many
  /// events it deleted.
  std::uint64_t prune_before(stowage::timestamp t, std::uint64_t batch = 500) {
    if (batch == 0 || batch > stowage::detail::events_impl::max_prune_batch)
      throw bad_input_error("events: prune_before takes batches of 1 to " +
                            std::to_string(stowage::detail::events_impl::max_prune_batch) + " events, not " +
                            std::to_string(batch));
    std::uint64_t total = 0;
    for (;;) {
      std::uint64_t n = transact(
          *db_,
          [&] {
            auto old = events_table()
                           .query(where<&event::created_at> < t)
                           .order_by(field<&event::created_at>)
                           .order_by(field<&event::id>)
                           .limit(batch)
                           .to_vector();
            if (old.empty()) return std::uint64_t{0};
            std::vector<stowage::uuid> ids;
            for (const event& e : old) {
              ids.push_back(e.id);
              release_files(e.files);
            }
            links_table().erase(where<&event_link::source>.in(ids));
            return events_table().erase(where<&event::id>.in(ids));
          },
          retry_);
      total += n;
      if (n < batch) return total;
    }
  }

  database<Backend>& db() const noexcept { return *db_; }

 private:
  auto events_table() const { return db_->template table<event>(); }
  auto links_table() const { return db_->template table<event_link>(); }
  auto files_table() const { return db_->template table<event_file>(); }

  event save(new_event in, const std::vector<new_file>& files, const std::vector<new_link>& links, bool upsert) {
    const event e = stowage::detail::events_impl::event_of(std::move(in));
    for (const new_link& l : links) stowage::detail::events_impl::check_link(l);
    for (const new_file& f : files) stowage::detail::events_impl::check_file(f);
    return transact(
        *db_,
        [&] {
          event saved = e;
          auto table = events_table();
          std::optional<event> old = upsert ? table.get(saved.id) : std::nullopt;
          // the files the event keeps are taken before the old ones are let go, so that a file
          // both list is never without a user in between
          for (const std::string& id : saved.files) use_file(id);
          for (const new_file& f : files) saved.files.push_back(store_file(f, saved.created_at));
          if (old) {
            links_table().erase(where<&event_link::source> == saved.id);
            release_files(old->files);
            table.put(saved);
          } else {
            table.insert(saved);
          }
          auto link_table = links_table();
          for (const new_link& l : links)
            link_table.insert(event_link{stowage::new_uuid(), saved.id, l.type, l.target, l.metadata});
          return saved;
        },
        retry_);
  }

  void use_file(const std::string& id) {
    auto table = files_table();
    auto f = table.get(id);
    if (!f) stowage::detail::events_impl::event_file_not_found(id);
    ++f->uses;
    table.put(*f);
  }

  std::string store_file(const new_file& in, stowage::timestamp now) {
    auto table = files_table();
    event_file f{in.id, in.media_type, in.name, in.size, in.sha256, std::nullopt, in.uri, 1, now};
    if (!in.uri) {
      blob_info b = blobs_.write(std::vector<std::span<const std::byte>>{std::span(in.content)});
      f.size = b.size;
      f.sha256 = b.sha256;
      f.blob = b.id;
      if (f.id.empty()) {
        f.id = "sha256:" + b.sha256;
        if (auto stored = table.get(f.id)) {  // the same content, stored once
          ++stored->uses;
          table.put(*stored);
          return f.id;
        }
      }
    } else if (f.id.empty()) {
      f.id = uuid_text(stowage::new_uuid());
    }
    if (table.get(f.id)) stowage::detail::events_impl::event_file_exists(f.id);
    table.insert(f);
    return f.id;
  }

  // One use of each file fewer; a file left without one goes, and its blob with it unless
  // another file record has the same content.
  void release_files(const std::vector<std::string>& ids) {
    auto table = files_table();
    for (const std::string& id : ids) {
      auto f = table.get(id);
      if (!f) continue;
      if (--f->uses > 0) {
        table.put(*f);
        continue;
      }
      table.erase(f->id);
      if (f->blob && !table.exists(where<&event_file::blob> == *f->blob)) blobs_.erase(*f->blob);
    }
  }

  std::string blob_of(std::string_view id) const {
    event_file f = get_file(id);
    if (!f.blob) stowage::detail::events_impl::event_file_is_reference(id);
    return *f.blob;
  }

  database<Backend>* db_;
  blob_store<Backend> blobs_;
  retry_options retry_;
};

template <class Backend>
events(database<Backend>&) -> events<Backend>;
template <class Backend>
events(database<Backend>&, retry_options) -> events<Backend>;

}  // namespace stowage::models

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/models/impl/events.ipp>
#endif
