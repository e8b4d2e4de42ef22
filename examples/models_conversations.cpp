// A chat's storage with the conversations model: a user logs in, talks with an agent, and the
// history and the user's conversations are read back, on SQLite.
#include <stowage/models/conversations.hpp>
#include <stowage/sqlite.hpp>

#include <iostream>

using backend = stowage::sqlite;  // or stowage::postgres, stowage::json_dir, stowage::memory

int main(int argc, char** argv) {
  stowage::database<backend> db{argc > 1 ? argv[1] : "file:conversations.db"};
  stowage::models::conversations chat{db};

  // login: the same visitor is found again on the next visit
  auto user = chat.find_or_create_user({.anonymous_id = "visitor-42", .name = "Ada"});
  auto conv = chat.create_conversation(
      {.user_id = user.id, .agent = "travel", .title = "Travel agent", .context = {{"city", "Lisbon"}}});

  // each append takes the next turn in one transaction, whoever else appends at the same time
  chat.append(conv.id, {.role = "human", .content = "Three days in Lisbon?", .user_id = user.id});
  chat.append(conv.id, {.role = "ai", .content = "Day 1: Alfama and the castle..."});
  chat.append(conv.id, {.role = "human", .content = "And day 2?", .user_id = user.id});

  // the history, oldest first, two messages a page (a lazy query: it could also be iterated whole)
  auto history = chat.history(conv.id);
  auto page = history.page(2);
  for (;;) {
    for (const auto& m : page) std::cout << "turn " << m.turn << "  " << m.role << ": " << m.content << "\n";
    if (!page.next) break;
    page = history.page_after(*page.next, 2);
  }
  // the user's conversations, most recently active first, each with its last message
  for (const auto& c : chat.conversations_of(user.id))
    std::cout << c.title << " (" << c.context["city"].get<std::string>()
              << "), last: " << chat.find_last_message(c.id)->content << "\n";

  chat.delete_conversation(conv.id);  // with its messages, in one transaction
  chat.delete_user(user.id);
}
