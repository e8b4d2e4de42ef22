// The record the two files of this example share.
#pragma once

#include <stowage/sqlite.hpp>

struct Task {
  BOOST_HANA_DEFINE_STRUCT(Task, (std::int64_t, id), (std::string, title), (int, priority), (bool, done));
};

/// Stores a few tasks (tasks.cpp).
void add_tasks(stowage::database<stowage::sqlite>& db);
