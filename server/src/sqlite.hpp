// A thin RAII layer over SQLite: connections and prepared statements with bound parameters.
// There is no way to run SQL built from values: every value goes through bind().
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop::server {

struct SqliteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Statement;
class CachedStatement;

class Database {
public:
    // Opens (creating if needed) with WAL, full synchronous commits and a busy timeout.
    explicit Database(const std::string& path, bool read_only = false);
    Database(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs constant SQL (schema, pragmas, BEGIN/COMMIT): never values.
    void exec(const char* constant_sql);
    Statement prepare(const char* constant_sql);
    // The same SQL prepared once per connection and reused (hot paths). The caller holds whatever
    // guards this connection for as long as it uses the handle; the handle resets the statement
    // and clears its bindings when it goes out of scope, so no read transaction stays open.
    CachedStatement cached(const char* constant_sql);
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

class Statement {
public:
    Statement(sqlite3* db, const char* sql);
    Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, const void* data, std::size_t size);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::optional<std::string>& text) {
        return text ? bind(index, std::string_view(*text)) : bind_null(index);
    }

    // Steps once: true when a row is available, false when done.
    bool step();
    // Clears bindings and rewinds, for reuse.
    void reset();

    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::vector<std::uint8_t> blob(int column) const;
    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// A statement from Database::cached(): used like a Statement, reset and unbound at scope exit.
class CachedStatement {
public:
    explicit CachedStatement(Statement& statement) : statement_(&statement) {}
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    ~CachedStatement() { statement_->reset(); }

    Statement& operator*() const { return *statement_; }
    Statement* operator->() const { return statement_; }

private:
    Statement* statement_;
};

}  // namespace passkoop::server
