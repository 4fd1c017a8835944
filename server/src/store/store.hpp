// The shop's database: one SQLite file holding the visiteurs ledger, the API tokens and the
// server's small named state. The store opens it, brings its schema up to date and owns the
// connections; the ledger, the tokens and the state are classes over them.
#pragma once

#include "store/database.hpp"

#include <filesystem>
#include <memory>
#include <mutex>

namespace passkoop::server {

class Ledger;
class TokenStore;
class StateStore;

// A connection and the mutex its users hold while they use it.
struct Connection {
    explicit Connection(const std::filesystem::path& path) : db(path.string()) {}
    Database db;
    std::mutex mutex;
};

class Store {
public:
    // Opens or creates the database and brings its schema up to date.
    explicit Store(const std::filesystem::path& path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Ledger& ledger() const { return *ledger_; }
    TokenStore& tokens() const { return *tokens_; }
    StateStore& state() const { return *state_; }
    const std::filesystem::path& path() const { return path_; }

    // Copies the live database to `out` with SQLite's online backup API.
    void backup(const std::filesystem::path& out) const;

private:
    std::filesystem::path path_;
    // The ledger's writer thread alone uses writer_; reads share reader_; tokens, state, purges
    // and checkpoints share side_, so none of them waits behind a read or a group commit.
    std::unique_ptr<Connection> writer_, reader_, side_;
    std::unique_ptr<Ledger> ledger_;
    std::unique_ptr<TokenStore> tokens_;
    std::unique_ptr<StateStore> state_;
};

}  // namespace passkoop::server
