// A raw libpq connection for the benchmarks' raw sides: what they need of libpq, each failure an
// exception that names the statement.
#pragma once

#include <libpq-fe.h>

#include <stdexcept>
#include <string>

struct pg_conn {
  PGconn* c;
  explicit pg_conn(const std::string& url) : c(PQconnectdb(url.c_str())) {
    if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(c));
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
  }
  pg_conn(const pg_conn&) = delete;
  pg_conn& operator=(const pg_conn&) = delete;
  ~pg_conn() { PQfinish(c); }

  void exec(const std::string& sql) const {
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string err = PQerrorMessage(c);
    PQclear(r);
    if (!ok) throw std::runtime_error(sql + ": " + err);
  }
  /// The first column of the first row as text ("" when there is none or it is null).
  std::string one(const std::string& sql) const {
    PGresult* r = PQexec(c, sql.c_str());
    std::string out =
        PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }
  void prepare(const char* name, const char* sql) const {
    PGresult* r = PQprepare(c, name, sql, 0, nullptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(std::string(sql) + ": " + PQerrorMessage(c));
  }
  /// Runs a prepared statement; the caller clears the result.
  PGresult* run(const char* name, int n, const char* const* values, int result_format = 0) const {
    PGresult* r = PQexecPrepared(c, name, n, values, nullptr, nullptr, result_format);
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string m = PQerrorMessage(c);
      PQclear(r);
      throw std::runtime_error(std::string(name) + ": " + m);
    }
    return r;
  }
};
