// Versioned prompts with the ready model: create versions, read the latest, update one without
// moving the latest, search, select by config, delete the latest. Another backend: change the
// header, `backend` and the URL.
//
//     models_prompts [url]          (default: file:prompts.db)
#include <stowage/models/prompts.hpp>
#include <stowage/sqlite.hpp>

#include <iostream>
#include <string>

using backend = stowage::sqlite;

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "file:prompts.db";
  stowage::database<backend> db{url};
  stowage::models::prompts prompts{db};
  using stowage::models::if_exists;

  prompts.create_version({.name = "summarize",
                          .version = "v1",
                          .system = "You summarize.",
                          .user = "Summarize: {{text}}",
                          .config = {{"model", "small"}, {"temperature", 0.2}}},
                         if_exists::overwrite);  // the example runs again on the same file
  prompts.create_version({.name = "summarize",
                          .version = "v2",
                          .system = "You summarize in one line.",
                          .user = "One line: {{text}}",
                          .config = {{"model", "large"}, {"temperature", 0.2}}},
                         if_exists::overwrite);

  // an old version is fixed in place: it stays where it is, v2 stays the latest
  prompts.update_version("summarize", "v1", {.user = "Summarize briefly: {{text}}"});
  stowage::models::prompt_version latest = prompts.get_latest("summarize");
  std::cout << "latest: " << latest.name << " " << latest.version << " #" << latest.sequence << "\n";

  for (const auto& v : prompts.search("ONE LINE")) std::cout << "found: " << v.id << "\n";
  for (const auto& v : prompts.search_by_config({{"model", "small"}})) std::cout << "small model: " << v.id << "\n";

  prompts.delete_version("summarize", "v2");  // v1 becomes the latest again
  std::cout << "latest after deleting v2: " << prompts.get_latest("summarize").version << "\n";
  for (const std::string& label : prompts.version_labels("summarize")) std::cout << "version: " << label << "\n";
  return 0;
}
