#include "sqlite/database.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

namespace passkoop {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw SqliteError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Database::Database(const std::string& path, bool read_only) {
    // Memory statistics put one process-wide mutex around every SQLite allocation: off, as
    // nothing reads them. Only possible before SQLite initialises; later it is simply kept.
    static std::once_flag configure;
    std::call_once(configure, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    // The ledger holds personal data: a new database is its owner's only (0600), whatever the
    // umask. SQLite gives the -wal and -shm files the database file's permissions and owner.
    if (!read_only) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);  // else it exists, or SQLite will say why it cannot be made
    }
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError(path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 10000);
    if (!read_only) {
        exec("PRAGMA journal_mode=WAL");
        // FULL: a commit that returned is on disk, even after a power cut.
        exec("PRAGMA synchronous=FULL");
    }
    exec("PRAGMA foreign_keys=ON");
}

Database::Database(Database&& other) noexcept : db_(other.db_), cache_(std::move(other.cache_)) { other.db_ = nullptr; }

Database::~Database() {
    cache_.clear();  // finalize the cached statements before the connection closes
    if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::exec(const char* constant_sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, constant_sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw SqliteError(std::string(constant_sql).substr(0, 60) + ": " + message);
    }
}

Statement Database::prepare(const char* constant_sql) { return Statement(db_, constant_sql); }

CachedStatement Database::cached(const char* constant_sql) {
    auto it = cache_.find(std::string_view(constant_sql));
    if (it == cache_.end()) it = cache_.emplace(constant_sql, std::make_unique<Statement>(db_, constant_sql)).first;
    return CachedStatement(*it->second);
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
        fail(db, std::string("prepare ") + std::string(sql).substr(0, 60));
}

Statement::~Statement() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
    if (sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::vector<std::uint8_t> Statement::blob(int column) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    return p ? std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<std::uint8_t>();
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

bool migrate_schema(Database& db, std::span<const char* const> migrations) {
    std::int64_t version = 0;
    {
        auto s = db.prepare("PRAGMA user_version");  // finalised before the migrations run
        s.step();
        version = s.integer(0);
    }
    const auto latest = static_cast<std::int64_t>(migrations.size());
    if (version > latest) return false;
    for (auto v = version; v < latest; ++v) {
        Transaction transaction(db, "BEGIN IMMEDIATE");
        db.exec(migrations[static_cast<std::size_t>(v)]);
        // PRAGMA takes no bound parameters; the value is our own loop counter.
        const std::string pragma = "PRAGMA user_version=" + std::to_string(v + 1);
        db.exec(pragma.c_str());
        transaction.commit();
    }
    return true;
}

}  // namespace passkoop
