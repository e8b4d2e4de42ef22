// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
// The parts of the events model that do not depend on the backend: checks of what is saved, the
// filter a query builds, and the errors' messages.
#include <chrono>
#include <string>
#include <utility>

namespace stowage::detail::events_impl {
using models::event;
using models::event_file;
using models::event_link;
using models::event_query;
using models::link_match;
using models::new_event;
using models::new_file;
using models::new_link;

STOWAGE_INLINE error_context event_context(std::string key) {
  return {"stowage::models::event", "events", std::move(key), {}};
}
STOWAGE_INLINE error_context file_context(std::string_view key) {
  return {"stowage::models::event_file", "event_files", std::string(key), {}};
}

STOWAGE_INLINE event event_of(new_event in) {
  if (in.schema_id.empty())
    throw bad_input_error("an event needs a schema id", event_context(in.id.is_nil() ? "" : uuid_text(in.id)));
  if (in.producer.empty())
    throw bad_input_error("an event needs a producer", event_context(in.id.is_nil() ? "" : uuid_text(in.id)));
  event e{};
  e.id = in.id.is_nil() ? new_uuid() : in.id;
  e.schema_id = std::move(in.schema_id);
  e.producer = std::move(in.producer);
  e.created_at = in.created_at
                     ? *in.created_at
                     : std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  e.payload = std::move(in.payload);
  e.metadata = std::move(in.metadata);
  e.files = std::move(in.files);
  return e;
}

STOWAGE_INLINE void check_link(const new_link& l) {
  if (l.type.empty())
    throw bad_input_error("a link needs a type", {"stowage::models::event_link", "event_links", {}, {}});
  if (l.target.is_nil())
    throw bad_input_error("a link needs a target event", {"stowage::models::event_link", "event_links", {}, {}});
}

STOWAGE_INLINE void check_file(const new_file& f) {
  if (f.media_type.empty()) throw bad_input_error("a file needs a media type", file_context(f.id));
  if (f.uri && f.uri->empty()) throw bad_input_error("a file's reference URI is empty", file_context(f.id));
  if (f.uri && !f.content.empty())
    throw bad_input_error("a file has content and a reference URI: give one of them", file_context(f.id));
}

STOWAGE_INLINE void event_not_found(const stowage::uuid& id) {
  throw not_found_error("no such event", event_context(uuid_text(id)));
}
STOWAGE_INLINE void event_file_not_found(std::string_view id) {
  throw not_found_error("no such file", file_context(id));
}
STOWAGE_INLINE void event_file_exists(std::string_view id) {
  throw conflict_error("a file with this id is stored already", file_context(id));
}
STOWAGE_INLINE void event_file_is_reference(std::string_view id) {
  throw bad_input_error("the file is a reference (its content is not in the store)", file_context(id));
}
STOWAGE_INLINE std::optional<predicate<event>> event_filter(const event_query& q) {
  std::optional<predicate<event>> p;
  auto add = [&](predicate<event> more) { p = p ? std::move(*p) && std::move(more) : std::move(more); };
  if (!q.schema_ids.empty()) add(where<&event::schema_id>.in(q.schema_ids));
  if (!q.producers.empty()) add(where<&event::producer>.in(q.producers));
  if (q.from) add(where<&event::created_at> >= *q.from);
  if (q.to) add(where<&event::created_at> <= *q.to);
  for (const auto& [path, value] : q.payload) add(where<&event::payload>.at(path) == value);
  return p;
}

STOWAGE_INLINE std::optional<predicate<event_link>> link_filter(const link_match& m) {
  std::optional<predicate<event_link>> p;
  if (m.type) p = where<&event_link::type> == *m.type;
  if (m.target) {
    auto t = where<&event_link::target> == *m.target;
    p = p ? std::move(*p) && std::move(t) : std::move(t);
  }
  return p;
}

}  // namespace stowage::detail::events_impl
