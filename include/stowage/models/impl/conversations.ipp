// The conversations model's code that no backend or record type changes (conversations.hpp):
// the clock, the checks of its arguments and the text of its errors.
#include <chrono>
#include <string>

#include <stowage/error.hpp>

namespace stowage::detail::conversations_impl {

STOWAGE_INLINE timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

STOWAGE_INLINE void missing(std::string_view record, std::string_view table, const uuid& id) {
  throw not_found_error("there is no " + std::string(record) + " with this id",
                        error_context{std::string(record), std::string(table), uuid_text(id), {}});
}

STOWAGE_INLINE void duplicate_user(const constraint_error& e) {
  // the unique indexes of conversation_users are its three ids: the backend's message names it
  throw conflict_error("another conversation_user has this external_id, anonymous_id or email",
                       error_context{"conversation_user", "conversation_users", e.key(), e.backend_message()});
}

STOWAGE_INLINE void user_taken(const constraint_error& e) {
  throw retryable_conflict("another writer created a conversation_user with one of these ids meanwhile",
                           error_context{"conversation_user", "conversation_users", e.key(), e.backend_message()});
}

STOWAGE_INLINE void user_has_conversations(const uuid& id, std::uint64_t n) {
  throw constraint_error(
      "cannot delete a conversation_user who has " + std::to_string(n) + " conversation(s): delete them first",
      error_context{"conversation_user", "conversation_users", uuid_text(id), {}});
}

STOWAGE_INLINE void turn_taken(const constraint_error& e) {
  // the turn was free when this transaction read the last one: only a concurrent append can have
  // taken it, so running the transaction again gives the next one
  throw retryable_conflict(
      "another append took this turn of the conversation",
      error_context{"conversation_message", "conversation_messages", e.key(), e.backend_message()});
}

STOWAGE_INLINE void check_lookup(bool any, std::string_view call) {
  if (!any)
    throw bad_input_error(std::string(call) +
                              " needs an id to look the conversation_user up by (external_id, "
                              "anonymous_id or email)",
                          error_context{"conversation_user", "conversation_users", {}, {}});
}

STOWAGE_INLINE void check_conversation(std::string_view agent, const nlohmann::json& context) {
  if (agent.empty())
    throw bad_input_error("a conversation needs an agent", error_context{"conversation", "conversations", {}, {}});
  if (!context.is_object())
    throw bad_input_error("a conversation's context must be a JSON object, not " + std::string(context.type_name()),
                          error_context{"conversation", "conversations", {}, {}});
}

STOWAGE_INLINE void check_role(std::string_view role) {
  if (role.empty())
    throw bad_input_error("a conversation_message needs a role",
                          error_context{"conversation_message", "conversation_messages", {}, {}});
}

}  // namespace stowage::detail::conversations_impl
