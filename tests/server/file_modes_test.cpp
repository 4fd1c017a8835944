// What passkoopd writes that holds personal data or secrets is its owner's only (0600), whatever
// the umask of the command that made it: the database and its WAL and SHM files, the visitor-key
// secret, a backup.
#include "store/store.hpp"
#include "store/tokens.hpp"
#include "store/visitor_secret.hpp"

#include "server_process.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace pk_test;
using namespace passkoop::server;

namespace {

unsigned mode_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path.string());
    return st.st_mode & 07777;
}

// The process's umask for the scope of one test.
struct Umask {
    mode_t previous;
    explicit Umask(mode_t mask) : previous(::umask(mask)) {}
    ~Umask() { ::umask(previous); }
};

}  // namespace

TEST_CASE("a new database, its WAL and SHM files, its secret and a backup are 0600 under umask 022") {
    const Umask umask(022);
    TempDir dir;
    const auto db = dir / "visiteurs.db";
    {
        Store store(db);
        (void)store.tokens().create(Role::cashier, "Caisse 1");
        CHECK(mode_of(db) == 0600);
        CHECK(mode_of(db.string() + "-wal") == 0600);
        CHECK(mode_of(db.string() + "-shm") == 0600);
        store.backup(dir / "copie.db");
        CHECK(mode_of(dir / "copie.db") == 0600);
    }
    (void)load_or_create_secret(dir / "visiteurs.db.secret");
    CHECK(mode_of(dir / "visiteurs.db.secret") == 0600);
}

TEST_CASE("passkoopd token create and backup make files 0600 under umask 022") {
    const Umask umask(022);  // inherited by the passkoopd processes
    TempDir dir;
    const auto db = dir / "visiteurs.db";
    const CommandResult token =
        run_passkoopd({"token", "create", "--db", db.string(), "--role", "manager", "--name", "Trésorerie"}, dir.path);
    REQUIRE(token.exit_code == 0);
    CHECK(mode_of(db) == 0600);
    REQUIRE(run_passkoopd({"backup", "--db", db.string(), "--out", (dir / "copie.db").string()}, dir.path).exit_code == 0);
    CHECK(mode_of(dir / "copie.db") == 0600);
}

TEST_CASE("a database that exists keeps its permissions") {
    TempDir dir;
    const auto db = dir / "visiteurs.db";
    { Store store(db); }
    std::filesystem::permissions(db, std::filesystem::perms(0640));
    { Store store(db); }
    CHECK(mode_of(db) == 0640);
}
