#include "support.hpp"

#include <passkoop/keyfile.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <sys/stat.h>

#include <chrono>
#include <functional>

using namespace pk_test;
using Reason = KeyFileError::Reason;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Argon2id at its minimum cost keeps these tests fast; one test covers the defaults.
const KeyFileOptions kFast{.opslimit = crypto_pwhash_OPSLIMIT_MIN, .memlimit = crypto_pwhash_MEMLIMIT_MIN};
const KeyFileOptions kFastForce{.force = true, .opslimit = crypto_pwhash_OPSLIMIT_MIN,
                                .memlimit = crypto_pwhash_MEMLIMIT_MIN};

// The reason of the KeyFileError thrown by `f`; fails the test if it throws anything else.
std::optional<Reason> reason_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const KeyFileError& e) {
        return e.reason();
    } catch (const std::exception& e) {
        FAIL("not a KeyFileError: " << std::string(e.what()));
    }
    return std::nullopt;
}

std::optional<Reason> read_reason(const fs::path& path, const Passphrase* passphrase) {
    return reason_of([&] { (void)read_key_file(path, passphrase); });
}

unsigned mode_of(const fs::path& path) {
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

json load(const fs::path& path) { return json::parse(read_file(path)); }
void store(const fs::path& path, const json& doc) { write_file(path, doc.dump(2)); }

bool same_key(const SigningKey& a, const SigningKey& b) {
    return a.public_key() == b.public_key() && equal_constant_time(a.seed(), b.seed());
}

// Keeps the process umask permissive for one scope, so file modes come from the code alone.
struct PermissiveUmask {
    mode_t saved = ::umask(0);
    ~PermissiveUmask() { ::umask(saved); }
};

}  // namespace

TEST_CASE("encrypted key file round trip") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const SigningKey key = key_named("keyfile-coop");
    const Passphrase pass("correct horse battery staple");
    write_key_file(path, key, &pass, kFast);

    const SigningKey back = read_key_file(path, &pass);
    CHECK(same_key(back, key));
    CHECK(back.sign_typed(kPassPayloadType, as_bytes("x")) == key.sign_typed(kPassPayloadType, as_bytes("x")));
    CHECK(key_file_is_encrypted(path));
    CHECK(key_file_public_key(path) == key.public_key());

    // Nothing of the secret seed is readable in the file.
    const std::string content = read_file(path);
    CHECK(content.find(to_base64(key.seed())) == std::string::npos);
    CHECK(content.find(to_hex(key.seed())) == std::string::npos);
    const json doc = json::parse(content);
    CHECK(doc.at("type") == "passkoop-secret-key");
    CHECK(doc.at("version") == 1);
    CHECK(doc.at("public_key") == to_base64(key.public_key()));
    CHECK(doc.at("key_id") == key.id());
    CHECK(doc.at("encryption").at("kdf") == "argon2id13");
    CHECK(doc.at("encryption").at("cipher") == "xchacha20poly1305-ietf");
    CHECK(doc.at("encryption").at("opslimit") == crypto_pwhash_OPSLIMIT_MIN);
    CHECK(doc.at("encryption").at("memlimit") == crypto_pwhash_MEMLIMIT_MIN);
    CHECK(from_base64(doc.at("secret").get<std::string>()).value().size() == 32 + 16);
}

TEST_CASE("encrypted key files use a fresh salt and nonce each time") {
    TempDir dir;
    const SigningKey key = key_named("keyfile-coop");
    const Passphrase pass("pw");
    write_key_file(dir / "a.key", key, &pass, kFast);
    write_key_file(dir / "b.key", key, &pass, kFast);
    const json a = load(dir / "a.key"), b = load(dir / "b.key");
    CHECK(a.at("encryption").at("salt") != b.at("encryption").at("salt"));
    CHECK(a.at("encryption").at("nonce") != b.at("encryption").at("nonce"));
    CHECK(a.at("secret") != b.at("secret"));
    CHECK(same_key(read_key_file(dir / "b.key", &pass), key));
}

TEST_CASE("encrypted key file with default Argon2id cost") {
    TempDir dir;
    const fs::path path = dir / "default.key";
    const SigningKey key = key_named("keyfile-default");
    const Passphrase pass("d\xC3\xA9" "faut");
    write_key_file(path, key, &pass);
    const json doc = load(path);
    CHECK(doc.at("encryption").at("opslimit") == crypto_pwhash_OPSLIMIT_MODERATE);
    CHECK(doc.at("encryption").at("memlimit") == crypto_pwhash_MEMLIMIT_MODERATE);
    CHECK(same_key(read_key_file(path, &pass), key));
}

TEST_CASE("wrong passphrase is refused") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("right");
    write_key_file(path, key_named("keyfile-coop"), &pass, kFast);
    for (const std::string_view wrong : {"wrong", "Right", "right ", "righ", ""}) {
        CAPTURE(wrong);
        const Passphrase bad(wrong);
        CHECK(read_reason(path, &bad) == Reason::wrong_passphrase_or_tampered);
    }
}

TEST_CASE("encrypted key file needs a passphrase") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw");
    write_key_file(path, key_named("keyfile-coop"), &pass, kFast);
    CHECK(read_reason(path, nullptr) == Reason::needs_passphrase);
    // The public key is still readable for display.
    CHECK(key_file_public_key(path) == key_named("keyfile-coop").public_key());
}

TEST_CASE("tampered encrypted key file is refused") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw");
    const SigningKey key = key_named("keyfile-coop");
    write_key_file(path, key, &pass, kFast);
    const json original = load(path);

    // Replaces the first character of a base64 field by another one: still canonical base64
    // of the same size, but other bytes.
    const auto flip_first = [](std::string s) {
        s[0] = s[0] == 'A' ? 'B' : 'A';
        return s;
    };
    const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
        {"secret first char", [&](json& d) { d["secret"] = flip_first(d["secret"].get<std::string>()); }},
        {"secret last char",
         [&](json& d) {
             // 48 bytes: 64 characters without padding, so the last character is free too.
             std::string s = d["secret"].get<std::string>();
             REQUIRE(s.size() == 64);
             s.back() = s.back() == 'A' ? 'B' : 'A';
             d["secret"] = s;
         }},
        {"public key of another key", [&](json& d) { d["public_key"] = to_base64(key_named("other").public_key()); }},
        {"opslimit", [&](json& d) { d["encryption"]["opslimit"] = crypto_pwhash_OPSLIMIT_MIN + 1; }},
        {"memlimit", [&](json& d) { d["encryption"]["memlimit"] = crypto_pwhash_MEMLIMIT_MIN * 2; }},
        {"salt", [&](json& d) { d["encryption"]["salt"] = flip_first(d["encryption"]["salt"].get<std::string>()); }},
        {"nonce", [&](json& d) { d["encryption"]["nonce"] = flip_first(d["encryption"]["nonce"].get<std::string>()); }},
    };
    for (const auto& [what, edit] : edits) {
        CAPTURE(what);
        json doc = original;
        edit(doc);
        REQUIRE(doc != original);
        store(path, doc);
        CHECK(read_reason(path, &pass) == Reason::wrong_passphrase_or_tampered);
    }
    // The untouched document still reads: the failures above came from the edits.
    store(path, original);
    CHECK(same_key(read_key_file(path, &pass), key));
}

TEST_CASE("tampered key file with a wrong sized field is malformed") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw");
    write_key_file(path, key_named("keyfile-coop"), &pass, kFast);
    const json original = load(path);
    const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
        {"secret one byte short", [](json& d) { d["secret"] = to_base64(Bytes(47, 1)); }},
        {"secret not base64", [](json& d) { d["secret"] = "not base64!"; }},
        {"secret a number", [](json& d) { d["secret"] = 12; }},
        {"salt too long", [](json& d) { d["encryption"]["salt"] = to_base64(Bytes(17, 1)); }},
        {"nonce missing", [](json& d) { d["encryption"].erase("nonce"); }},
        {"public key short", [](json& d) { d["public_key"] = to_base64(Bytes(31, 1)); }},
        {"public key missing", [](json& d) { d.erase("public_key"); }},
        {"kdf unknown", [](json& d) { d["encryption"]["kdf"] = "scrypt"; }},
        {"cipher unknown", [](json& d) { d["encryption"]["cipher"] = "aes256gcm"; }},
        {"encryption missing", [](json& d) { d.erase("encryption"); }},
        {"encryption a string", [](json& d) { d["encryption"] = "argon2id13"; }},
        {"opslimit negative", [](json& d) { d["encryption"]["opslimit"] = -1; }},
        {"opslimit a string", [](json& d) { d["encryption"]["opslimit"] = "1"; }},
        {"memlimit a float", [](json& d) { d["encryption"]["memlimit"] = 8192.0; }},
        {"memlimit missing", [](json& d) { d["encryption"].erase("memlimit"); }},
        {"kdf a number", [](json& d) { d["encryption"]["kdf"] = 13; }},
        {"cipher a boolean", [](json& d) { d["encryption"]["cipher"] = true; }},
    };
    for (const auto& [what, edit] : edits) {
        CAPTURE(what);
        json doc = original;
        edit(doc);
        store(path, doc);
        CHECK(read_reason(path, &pass) == Reason::malformed);
    }
}

TEST_CASE("doctored Argon2id costs are refused before deriving") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw");
    write_key_file(path, key_named("keyfile-coop"), &pass, kFast);
    const json original = load(path);
    const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
        {"memlimit 2^40", [](json& d) { d["encryption"]["memlimit"] = std::uint64_t{1} << 40; }},
        {"memlimit 2^64-1", [](json& d) { d["encryption"]["memlimit"] = ~std::uint64_t{0}; }},
        {"memlimit below minimum", [](json& d) { d["encryption"]["memlimit"] = crypto_pwhash_MEMLIMIT_MIN - 1; }},
        {"memlimit zero", [](json& d) { d["encryption"]["memlimit"] = 0; }},
        {"opslimit huge", [](json& d) { d["encryption"]["opslimit"] = std::uint64_t{1} << 40; }},
        {"opslimit zero", [](json& d) { d["encryption"]["opslimit"] = 0; }},
    };
    for (const auto& [what, edit] : edits) {
        CAPTURE(what);
        json doc = original;
        edit(doc);
        store(path, doc);
        // Deriving with 1 TiB would either fail to allocate (io) or take forever: a quick
        // `malformed` shows the bound was checked first.
        const auto start = std::chrono::steady_clock::now();
        CHECK(read_reason(path, &pass) == Reason::malformed);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }
}

TEST_CASE("existing key file is never overwritten without force") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw");
    const SigningKey first = key_named("keyfile-first"), second = key_named("keyfile-second");
    write_key_file(path, first, &pass, kFast);
    const std::string before = read_file(path);

    CHECK(reason_of([&] { write_key_file(path, second, &pass, kFast); }) == Reason::exists);
    CHECK(reason_of([&] { write_key_file(path, second, nullptr); }) == Reason::exists);
    CHECK(read_file(path) == before);
    CHECK(same_key(read_key_file(path, &pass), first));

    // Any existing file is protected, not only key files.
    const fs::path other = dir / "notes.txt";
    write_file(other, "keep me");
    CHECK(reason_of([&] { write_key_file(other, second, nullptr); }) == Reason::exists);
    CHECK(read_file(other) == "keep me");

    // No temporary file is left behind by the refusals.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
    CHECK(entries == 2);
}

TEST_CASE("force overwrites an existing key file") {
    TempDir dir;
    const fs::path path = dir / "coop.key";
    const Passphrase pass("pw"), new_pass("new pw");
    const SigningKey first = key_named("keyfile-first"), second = key_named("keyfile-second");
    write_key_file(path, first, &pass, kFast);
    write_key_file(path, second, &new_pass, kFastForce);
    CHECK(same_key(read_key_file(path, &new_pass), second));
    CHECK(read_reason(path, &pass) == Reason::wrong_passphrase_or_tampered);
    CHECK(mode_of(path) == 0600);
    // Force onto a path that does not exist yet works too.
    write_key_file(dir / "fresh.key", first, nullptr, KeyFileOptions{.force = true});
    CHECK(same_key(read_key_file(dir / "fresh.key", nullptr), first));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
    CHECK(entries == 2);
}

TEST_CASE("key files are written with mode 0600") {
    const PermissiveUmask umask_zero;
    TempDir dir;
    const Passphrase pass("pw");
    const SigningKey key = key_named("keyfile-coop");
    write_key_file(dir / "enc.key", key, &pass, kFast);
    CHECK(mode_of(dir / "enc.key") == 0600);
    write_key_file(dir / "plain.key", key, nullptr);
    CHECK(mode_of(dir / "plain.key") == 0600);
    // A missing parent directory is created private too.
    write_key_file(dir / "keys" / "sub" / "k.key", key, nullptr);
    CHECK(mode_of(dir / "keys" / "sub" / "k.key") == 0600);
    CHECK(mode_of(dir / "keys" / "sub") == 0700);
}

TEST_CASE("unencrypted key file round trip") {
    TempDir dir;
    const fs::path path = dir / "demo.key";
    const SigningKey key = key_named("keyfile-demo");
    write_key_file(path, key, nullptr);
    CHECK_FALSE(key_file_is_encrypted(path));
    CHECK(key_file_public_key(path) == key.public_key());
    CHECK(same_key(read_key_file(path, nullptr), key));
    const json doc = load(path);
    CHECK(doc.at("encryption").is_null());
    CHECK(doc.at("secret") == to_base64(key.seed()));
    CHECK(doc.at("warning").get<std::string>().find("UNENCRYPTED") != std::string::npos);
}

TEST_CASE("tampered unencrypted key file is refused") {
    TempDir dir;
    const fs::path path = dir / "demo.key";
    const SigningKey key = key_named("keyfile-demo");
    write_key_file(path, key, nullptr);
    const json original = load(path);

    json other_public = original;
    other_public["public_key"] = to_base64(key_named("other").public_key());
    store(path, other_public);
    CHECK(read_reason(path, nullptr) == Reason::tampered);

    json other_secret = original;
    other_secret["secret"] = to_base64(key_named("other").seed());
    store(path, other_secret);
    CHECK(read_reason(path, nullptr) == Reason::tampered);

    json short_secret = original;
    short_secret["secret"] = to_base64(Bytes(31, 7));
    store(path, short_secret);
    CHECK(read_reason(path, nullptr) == Reason::malformed);
}

TEST_CASE("files that are not key files are malformed") {
    TempDir dir;
    const fs::path path = dir / "x.key";
    const std::vector<std::string> contents = {
        "",
        "hello",
        "\xFF\xFE\x00",
        "[]",
        "null",
        "\"passkoop-secret-key\"",
        "{}",
        R"({"type": "passkoop-public-key", "version": 1})",
        R"({"type": "passkoop-secret-key", "version": 2})",
        R"({"type": "passkoop-secret-key"})",
        R"({"type": "passkoop-secret-key", "version": 1)",
        R"({"type": 5, "version": 1})",
        R"({"type": "passkoop-secret-key", "version": "1"})",
        R"({"type": ["passkoop-secret-key"], "version": 1})",
        R"({"type": "passkoop-secret-key", "version": 1, "public_key": "AAAA", "encryption": null, "secret": "AAAA"})",
    };
    for (const std::string& content : contents) {
        CAPTURE(content);
        write_file(path, content);
        CHECK(read_reason(path, nullptr) == Reason::malformed);
        const Passphrase pass("pw");
        CHECK(read_reason(path, &pass) == Reason::malformed);
        if (content.find("\"public_key\"") == std::string::npos) {
            CHECK(reason_of([&] { (void)key_file_is_encrypted(path); }) == Reason::malformed);
            CHECK(reason_of([&] { (void)key_file_public_key(path); }) == Reason::malformed);
        }
    }
    // Oversized files are refused before being parsed.
    write_file(path, std::string(kMaxKeyFileBytes + 1, ' '));
    CHECK(read_reason(path, nullptr) == Reason::malformed);
}

TEST_CASE("missing key file is an io error") {
    TempDir dir;
    CHECK(read_reason(dir / "absent.key", nullptr) == Reason::io);
    const Passphrase pass("pw");
    CHECK(read_reason(dir / "absent.key", &pass) == Reason::io);
    CHECK(read_reason(dir.path, nullptr) == Reason::io);
}

TEST_CASE("key file error message names the file") {
    TempDir dir;
    const fs::path path = dir / "named.key";
    write_file(path, "hello");
    try {
        (void)read_key_file(path, nullptr);
        FAIL("expected a KeyFileError");
    } catch (const KeyFileError& e) {
        CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
}
