// The conversations model: users, their conversations with an agent, and each conversation's
// messages in turn order, on any backend: stowage::models::conversations<stowage::sqlite> c{db};
// Its three records are ordinary records (tables conversation_users, conversations,
// conversation_messages) that a program may also query with where<>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <stowage/json.hpp>
#include <stowage/uuid.hpp>

namespace stowage::models {

/// A user: any of the three ids may be missing, and each present one names one user.
struct conversation_user {
  BOOST_HANA_DEFINE_STRUCT(conversation_user,
                           (uuid, id),
                           (std::optional<std::string>, external_id),   // the host application's id
                           (std::optional<std::string>, anonymous_id),  // a random id for a visitor
                           (std::optional<std::string>, email),
                           (std::optional<std::string>, name),
                           (timestamp, created_at),
                           (timestamp, updated_at));
};

/// A user's conversation with an agent. updated_at is its last activity (see
/// conversation_options::touch_on_append).
struct conversation {
  BOOST_HANA_DEFINE_STRUCT(conversation,
                           (uuid, id),
                           (uuid, user_id),
                           (std::string, title),
                           (std::string, agent),  // the agent's key
                           (std::optional<std::string>, primer),
                           (nlohmann::json, context),  // a JSON object
                           (timestamp, created_at),
                           (timestamp, updated_at));
};

/// One message of a conversation; turn numbers a conversation's messages 1, 2, 3...
struct conversation_message {
  BOOST_HANA_DEFINE_STRUCT(conversation_message,
                           (uuid, id),
                           (uuid, conversation_id),
                           (std::optional<uuid>, user_id),  // the author, none for the agent's messages
                           (std::int64_t, turn),
                           (std::string, role),
                           (std::string, content),
                           (bool, pending),
                           (timestamp, created_at),
                           (timestamp, updated_at));
};

}  // namespace stowage::models

template <>
struct stowage::record_traits<stowage::models::conversation_user> {
  static constexpr std::string_view table = "conversation_users";
  using indexes = std::tuple<stowage::unique<&stowage::models::conversation_user::external_id>,
                             stowage::unique<&stowage::models::conversation_user::anonymous_id>,
                             stowage::unique<&stowage::models::conversation_user::email>>;
};
template <>
struct stowage::record_traits<stowage::models::conversation> {
  static constexpr std::string_view table = "conversations";
  // a user's conversations by last activity
  using indexes =
      std::tuple<stowage::index<&stowage::models::conversation::user_id, &stowage::models::conversation::updated_at>>;
};
template <>
struct stowage::record_traits<stowage::models::conversation_message> {
  static constexpr std::string_view table = "conversation_messages";
  // the history in turn order, and the guard that no two messages share a turn; user_id for
  // deleting a user
  using indexes = std::tuple<stowage::unique<&stowage::models::conversation_message::conversation_id,
                                             &stowage::models::conversation_message::turn>,
                             stowage::index<&stowage::models::conversation_message::user_id>>;
};

namespace stowage::models {

/// What create_user and find_or_create_user take: the user's ids and name.
struct user_draft {
  std::optional<std::string> external_id{};
  std::optional<std::string> anonymous_id{};
  std::optional<std::string> email{};
  std::optional<std::string> name{};
};

/// Equality on the fields given, all of them (at least one).
struct user_filter {
  std::optional<uuid> id{};
  std::optional<std::string> external_id{};
  std::optional<std::string> anonymous_id{};
  std::optional<std::string> email{};
};

/// What create_conversation takes.
struct conversation_draft {
  uuid user_id{};
  std::string agent{};
  std::string title{};
  std::optional<std::string> primer{};
  nlohmann::json context = nlohmann::json::object();
};

/// What append takes: the conversation assigns the turn, the store the id and times.
struct message_draft {
  std::string role{};  // by convention "human" or "ai"; not empty
  std::string content{};
  std::optional<uuid> user_id{};
  bool pending = false;
};

/// How a conversations model behaves.
struct conversation_options {
  /// Whether append sets the conversation's updated_at to the message's time, so that a user's
  /// conversations list by last activity (ConvoStack leaves it alone; the write costs one
  /// statement per append, and on PostgreSQL makes concurrent appends to one conversation
  /// conflict sooner, which transact retries).
  bool touch_on_append = true;
  /// Runs of a multi-record write in all before a lost race is reported (stowage::transact).
  /// PostgreSQL's serializable transactions lose races under concurrent appends to one
  /// conversation; the backoff doubles up to 0.1 s, so 64 runs outlast heavy contention.
  unsigned attempts = 64;
};

}  // namespace stowage::models

namespace stowage::detail::conversations_impl {
/// The system clock, truncated to what a timestamp holds: a value read back equals it.
timestamp now();
[[noreturn]] void missing(std::string_view record, std::string_view table, const uuid& id);
[[noreturn]] void duplicate_user(const constraint_error& e);
[[noreturn]] void user_taken(const constraint_error& e);
[[noreturn]] void user_has_conversations(const uuid& id, std::uint64_t n);
[[noreturn]] void turn_taken(const constraint_error& e);
/// Refuses an empty filter or lookup (bad_input_error).
void check_lookup(bool any, std::string_view call);
/// Refuses an empty agent or a context that is no JSON object.
void check_conversation(std::string_view agent, const nlohmann::json& context);
/// Refuses an empty role.
void check_role(std::string_view role);
}  // namespace stowage::detail::conversations_impl

namespace stowage::models {

/// Users, conversations and messages over a database<Backend>, which must outlive it. Cheap to
/// copy. Every write of several records is one transaction (stowage::transact): a failure leaves
/// none of it, and a race lost on PostgreSQL runs it again.
template <class Backend>
class conversations {
 public:
  using user = conversation_user;
  using message = conversation_message;

  /// Opens (creating when missing) the model's three tables. Their first use opens them here,
  /// outside any transaction: on PostgreSQL a table is created on a pool connection of its own,
  /// which threads holding every connection in their transactions would leave it waiting for.
  explicit conversations(database<Backend>& db, conversation_options options = {}) : db_(&db), options_(options) {
    (void)users();
    (void)convs();
    (void)msgs();
  }

  // ---- users

  /// A new user; conflict_error when another user has one of its ids.
  user create_user(const user_draft& d) { return insert_user(d, false); }

  /// The user with the draft's external id, else its anonymous id, else its email (at least one
  /// is needed), with the draft's other fields written where they are given and differ; or a new
  /// user made of the draft. One transaction.
  user find_or_create_user(const user_draft& d) {
    stowage::detail::conversations_impl::check_lookup(d.external_id || d.anonymous_id || d.email,
                                                      "find_or_create_user");
    return run([&] {
      std::optional<user> found;
      if (d.external_id) found = users().query(where<&user::external_id> == *d.external_id).first();
      if (!found && d.anonymous_id) found = users().query(where<&user::anonymous_id> == *d.anonymous_id).first();
      if (!found && d.email) found = users().query(where<&user::email> == *d.email).first();
      if (!found) return insert_user(d, true);
      user u = *found;
      for (auto [to, from] : {std::pair{&u.external_id, &d.external_id}, std::pair{&u.anonymous_id, &d.anonymous_id},
                              std::pair{&u.email, &d.email}, std::pair{&u.name, &d.name}})
        if (*from) *to = *from;
      if (u.external_id == found->external_id && u.anonymous_id == found->anonymous_id && u.email == found->email &&
          u.name == found->name)
        return u;
      return write_user(u);
    });
  }

  user get_user(const uuid& id) const {
    if (auto u = users().get(id)) return *u;
    stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", id);
  }
  std::optional<user> find_user(const uuid& id) const { return users().get(id); }
  /// The user that matches every field the filter gives (at least one).
  std::optional<user> find_user(const user_filter& f) const {
    stowage::detail::conversations_impl::check_lookup(f.id || f.external_id || f.anonymous_id || f.email, "find_user");
    if (f.id) {
      auto u = users().get(*f.id);
      if (u && (!f.external_id || u->external_id == f.external_id) &&
          (!f.anonymous_id || u->anonymous_id == f.anonymous_id) && (!f.email || u->email == f.email))
        return u;
      return std::nullopt;
    }
    std::optional<predicate<user>> p;
    auto add = [&](predicate<user> q) { p = p ? std::move(*p) && std::move(q) : std::move(q); };
    if (f.external_id) add(where<&user::external_id> == *f.external_id);
    if (f.anonymous_id) add(where<&user::anonymous_id> == *f.anonymous_id);
    if (f.email) add(where<&user::email> == *f.email);
    return users().query(std::move(*p)).first();
  }

  /// Writes u's ids and name over the stored user's, keeps its created_at, sets updated_at to
  /// now, and returns what is stored. not_found_error when there is no such user,
  /// conflict_error when another user has one of the ids.
  user update_user(const user& u) {
    return run([&] {
      auto stored = users().get(u.id);
      if (!stored) stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", u.id);
      user v = u;
      v.created_at = stored->created_at;
      return write_user(v);
    });
  }

  /// Deletes a user without conversations (constraint_error otherwise, and nothing changes);
  /// the user's messages stay, their user_id set to none. not_found_error when there is no such
  /// user. One transaction.
  void delete_user(const uuid& id) {
    run([&] {
      if (!users().get(id)) stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", id);
      if (auto n = convs().count(where<&conversation::user_id> == id))
        stowage::detail::conversations_impl::user_has_conversations(id, n);
      msgs().update(where<&message::user_id> == id, stowage::set<&message::user_id>(std::nullopt));
      users().erase(id);
    });
  }

  // ---- conversations

  /// A new conversation of an existing user (not_found_error otherwise).
  conversation create_conversation(const conversation_draft& d) {
    stowage::detail::conversations_impl::check_conversation(d.agent, d.context);
    return run([&] {
      if (!users().get(d.user_id))
        stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", d.user_id);
      auto t = now();
      conversation c{new_uuid(), d.user_id, d.title, d.agent, d.primer, d.context, t, t};
      convs().insert(c);
      return c;
    });
  }

  conversation get_conversation(const uuid& id) const {
    if (auto c = convs().get(id)) return *c;
    stowage::detail::conversations_impl::missing("conversation", "conversations", id);
  }
  std::optional<conversation> find_conversation(const uuid& id) const { return convs().get(id); }

  /// Writes c's title, agent, primer, context and user (who must exist) over the stored
  /// conversation's, keeps its created_at, sets updated_at to now, and returns what is stored.
  conversation update_conversation(const conversation& c) {
    stowage::detail::conversations_impl::check_conversation(c.agent, c.context);
    return run([&] {
      auto stored = convs().get(c.id);
      if (!stored) stowage::detail::conversations_impl::missing("conversation", "conversations", c.id);
      if (c.user_id != stored->user_id && !users().get(c.user_id))
        stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", c.user_id);
      conversation v = c;
      v.created_at = stored->created_at;
      v.updated_at = now();
      convs().update(v);
      return v;
    });
  }

  /// Deletes a conversation and its messages, in one transaction; not_found_error when there is
  /// no such conversation.
  void delete_conversation(const uuid& id) {
    run([&] {
      if (!convs().get(id)) stowage::detail::conversations_impl::missing("conversation", "conversations", id);
      msgs().erase(where<&message::conversation_id> == id);
      convs().erase(id);
    });
  }

  /// A user's conversations by last activity (updated_at, newest first, then id), as a lazy
  /// query: iterate it, or read it a page at a time with .page(n) and .page_after(token, n).
  stowage::query<conversation, Backend> conversations_of(const uuid& user_id) const {
    return convs().query(where<&conversation::user_id> == user_id).template order_by<&conversation::updated_at>(desc);
  }

  // ---- messages

  /// Adds a message to the end of a conversation: its turn is the conversation's highest turn
  /// plus one (1 for the first), assigned in the transaction that inserts it, so concurrent
  /// appends (threads, processes, PostgreSQL clients) never share a turn. not_found_error when
  /// the conversation, or the draft's user, does not exist.
  message append(const uuid& conversation_id, const message_draft& d) {
    stowage::detail::conversations_impl::check_role(d.role);
    return run([&] {
      auto t = now();
      // touching the conversation first also tells whether it exists, in one statement (on
      // PostgreSQL its row lock then queues concurrent appends rather than failing them late)
      bool exists = options_.touch_on_append ? convs().update(where<&conversation::id> == conversation_id,
                                                              stowage::set<&conversation::updated_at>(t)) > 0
                                             : convs().exists(where<&conversation::id> == conversation_id);
      if (!exists) stowage::detail::conversations_impl::missing("conversation", "conversations", conversation_id);
      if (d.user_id && !users().exists(where<&user::id> == *d.user_id))
        stowage::detail::conversations_impl::missing("conversation_user", "conversation_users", *d.user_id);
      std::int64_t turn = 1;
      // the turn alone: the last message's content may be large
      for (std::int64_t last : history(conversation_id, desc).limit(1).template select<&message::turn>())
        turn = last + 1;
      message m{new_uuid(), conversation_id, d.user_id, turn, d.role, d.content, d.pending, t, t};
      try {
        msgs().insert(m);
      } catch (const constraint_error& e) {
        stowage::detail::conversations_impl::turn_taken(e);  // another writer took the turn: a lost race, run again
      }
      return m;
    });
  }

  message get_message(const uuid& id) const {
    if (auto m = msgs().get(id)) return *m;
    stowage::detail::conversations_impl::missing("conversation_message", "conversation_messages", id);
  }
  std::optional<message> find_message(const uuid& id) const { return msgs().get(id); }

  /// Writes m's role, content and pending flag over the stored message's (its conversation, turn,
  /// user and created_at stay), sets updated_at to now, and returns what is stored.
  message update_message(const message& m) {
    stowage::detail::conversations_impl::check_role(m.role);
    return run([&] {
      auto stored = msgs().get(m.id);
      if (!stored) stowage::detail::conversations_impl::missing("conversation_message", "conversation_messages", m.id);
      message v = *stored;
      v.role = m.role;
      v.content = m.content;
      v.pending = m.pending;
      v.updated_at = now();
      msgs().update(v);
      return v;
    });
  }

  /// Deletes one message (its turn is not reused by later appends unless it was the last);
  /// not_found_error when there is no such message.
  void delete_message(const uuid& id) {
    if (!msgs().erase(id))
      stowage::detail::conversations_impl::missing("conversation_message", "conversation_messages", id);
  }

  /// A conversation's messages in turn order (asc: oldest first; desc: newest first), as a lazy
  /// query: iterate it, or read it a page at a time with .page(n) and .page_after(token, n) (a
  /// token continues in the direction it was read in).
  stowage::query<message, Backend> history(const uuid& conversation_id, direction d = asc) const {
    return msgs().query(where<&message::conversation_id> == conversation_id).template order_by<&message::turn>(d);
  }
  /// The message with the highest turn, if the conversation has any.
  std::optional<message> find_last_message(const uuid& conversation_id) const {
    return history(conversation_id, desc).first();
  }

  database<Backend>& db() const noexcept { return *db_; }

 private:
  static timestamp now() { return stowage::detail::conversations_impl::now(); }
  table<user, Backend> users() const { return db_->template table<user>(); }
  table<conversation, Backend> convs() const { return db_->template table<conversation>(); }
  table<message, Backend> msgs() const { return db_->template table<message>(); }

  template <class F>
  decltype(auto) run(F&& fn) {
    return stowage::transact(*db_, fn, retry_options().attempts(options_.attempts));
  }
  // raced: the draft's ids were looked up in this transaction and found free, so only a
  // concurrent writer can have taken one, and running the transaction again finds that user
  user insert_user(const user_draft& d, bool raced) {
    auto t = now();
    user u{new_uuid(), d.external_id, d.anonymous_id, d.email, d.name, t, t};
    try {
      users().insert(u);
    } catch (const constraint_error& e) {
      if (raced) stowage::detail::conversations_impl::user_taken(e);
      stowage::detail::conversations_impl::duplicate_user(e);
    }
    return u;
  }
  user write_user(user u) {
    u.updated_at = now();
    try {
      users().update(u);
    } catch (const constraint_error& e) {
      stowage::detail::conversations_impl::duplicate_user(e);
    }
    return u;
  }

  database<Backend>* db_;
  conversation_options options_;
};

template <class Backend>
conversations(database<Backend>&) -> conversations<Backend>;
template <class Backend>
conversations(database<Backend>&, conversation_options) -> conversations<Backend>;

}  // namespace stowage::models

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/models/impl/conversations.ipp>
#endif
