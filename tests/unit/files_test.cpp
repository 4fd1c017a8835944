// Files written whole or not at all (passkoop/files.hpp).
#include "support.hpp"

#include <passkoop/files.hpp>

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <vector>

using namespace pk_test;
namespace fs = std::filesystem;

namespace {

// One umask for a scope, so that the modes checked come from the code and this mask alone.
struct Umask {
    mode_t saved;
    explicit Umask(mode_t mask) : saved(::umask(mask)) {}
    ~Umask() { ::umask(saved); }
};

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Limits the size of files this process may write for one scope: a write past it fails with
// EFBIG (SIGXFSZ ignored), as a full disk would fail it.
struct FileSizeLimit {
    rlimit saved{};
    void (*saved_handler)(int);
    explicit FileSizeLimit(rlim_t bytes) : saved_handler(std::signal(SIGXFSZ, SIG_IGN)) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
        const rlimit limited{bytes, saved.rlim_max};
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, saved_handler);
    }
};

}  // namespace

TEST_CASE("write_file_atomic writes the exact bytes and replaces an existing file") {
    const TempDir dir;
    const std::string binary("a\0b\xFF\n", 5);
    CHECK_FALSE(write_file_atomic(dir / "f", binary));
    CHECK(read_file(dir / "f") == binary);
    CHECK_FALSE(write_file_atomic(dir / "f", "second"));
    CHECK(read_file(dir / "f") == "second");
    CHECK_FALSE(write_file_atomic(dir / "empty", ""));
    CHECK(fs::file_size(dir / "empty") == 0);
    const std::string big(3 * 1024 * 1024 + 7, 'x');
    CHECK_FALSE(write_file_atomic(dir / "big", big));
    CHECK(read_file(dir / "big") == big);
    // Without the syncs (files that are simply made again after a crash), the same bytes.
    CHECK_FALSE(write_file_atomic(dir / "card.svg", binary, {.durable = false}));
    CHECK(read_file(dir / "card.svg") == binary);
    CHECK(names_in(dir.path) == std::vector<std::string>{"big", "card.svg", "empty", "f"});  // no temporary file left
}

TEST_CASE("write_file_atomic creates the file with its mode less the umask, whatever the file it replaces") {
    const TempDir dir;
    const Umask umask(022);
    CHECK_FALSE(write_file_atomic(dir / "public", "x"));
    CHECK(mode_of(dir / "public") == 0644);
    CHECK_FALSE(write_file_atomic(dir / "secret", "x", {.mode = fs::perms(0600)}));
    CHECK(mode_of(dir / "secret") == 0600);
    // A secret written over a readable file is not readable by others, not even for a moment.
    CHECK_FALSE(write_file_atomic(dir / "public", "now secret", {.mode = fs::perms(0600)}));
    CHECK(mode_of(dir / "public") == 0600);
    const Umask strict(077);
    CHECK_FALSE(write_file_atomic(dir / "private", "x"));
    CHECK(mode_of(dir / "private") == 0600);
}

TEST_CASE("write_file_atomic refusing to replace keeps the existing file and says file_exists") {
    const TempDir dir;
    write_file(dir / "key", "original");
    CHECK(write_file_atomic(dir / "key", "other", {.mode = fs::perms(0600), .existing = ExistingFile::refuse}) == std::errc::file_exists);
    CHECK(read_file(dir / "key") == "original");
    CHECK_FALSE(write_file_atomic(dir / "new", "made", {.mode = fs::perms(0600), .existing = ExistingFile::refuse}));
    CHECK(read_file(dir / "new") == "made");
    CHECK(names_in(dir.path) == std::vector<std::string>{"key", "new"});
}

TEST_CASE("write_file_atomic failing leaves no partial file and the old one intact") {
    const TempDir dir;
    SUBCASE("missing directory") {
        CHECK(write_file_atomic(dir / "absent" / "f", "x") == std::errc::no_such_file_or_directory);
        CHECK(names_in(dir.path).empty());
    }
    SUBCASE("a directory in the way") {
        fs::create_directory(dir / "d");
        write_file(dir / "d" / "inside", "kept");
        CHECK(write_file_atomic(dir / "d", "x"));
        CHECK(read_file(dir / "d" / "inside") == "kept");
        CHECK(names_in(dir.path) == std::vector<std::string>{"d"});
    }
    SUBCASE("the disk refusing the bytes half-way") {
        write_file(dir / "registry.json", "the version in force");
        const std::string big(64 * 1024, 'n');
        std::error_code error, error_not_durable;
        {
            const FileSizeLimit limit(4096);
            error = write_file_atomic(dir / "registry.json", big);
            error_not_durable = write_file_atomic(dir / "registry.json", big, {.durable = false});
        }
        CHECK(error == std::errc::file_too_large);
        CHECK(error_not_durable == std::errc::file_too_large);
        CHECK(read_file(dir / "registry.json") == "the version in force");
        CHECK(names_in(dir.path) == std::vector<std::string>{"registry.json"});
    }
}
