// A thin RAII layer over SQLite: connections and prepared statements with bound parameters.
// There is no way to run SQL built from values: every value goes through bind().
// Internal to the project (not installed): the till's local file and passkoopd's ledger share it.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

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
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const { return sqlite3_changes64(db_); }
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
    // A blob of exactly N bytes (a hash, a digest); any other size is a damaged row: SqliteError.
    template <std::size_t N>
    std::array<std::uint8_t, N> fixed_blob(int column) const {
        std::array<std::uint8_t, N> out{};
        const auto bytes = blob(column);
        if (bytes.size() != N) throw SqliteError("column " + std::to_string(column) + ": " + std::to_string(N) + " bytes expected");
        std::copy(bytes.begin(), bytes.end(), out.begin());
        return out;
    }
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

// BEGIN IMMEDIATE (or a plain BEGIN for a read snapshot) that rolls back unless committed.
class Transaction {
public:
    Transaction(Database& db, const char* begin) : db_(db) { db_.exec(begin); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

// Brings a schema up to date: runs the migrations past PRAGMA user_version, each in its own
// transaction with the version it reaches. `migrations` is every schema change in order, never
// edited once shipped. Returns false, running nothing, for a file from a newer program.
[[nodiscard]] bool migrate_schema(Database& db, std::span<const char* const> migrations);

}  // namespace passkoop
