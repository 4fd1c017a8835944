// End-to-end tests of the `passkoop` command line (DESIGN §4, §5, §8): the binary is run as a
// separate process with an explicit environment, on real files in a temporary directory.
#include "support.hpp"

#include <passkoop/keyfile.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <vector>

using namespace pk_test;
using nlohmann::json;

namespace {

struct CliEnv {
    std::optional<std::string> lang = std::nullopt;        // PASSKOOP_LANG
    std::optional<std::string> passphrase = std::nullopt;  // PASSKOOP_PASSPHRASE
};

struct CliRun {
    int code = -1;  // exit code; -1 if killed by a signal
    std::string out, err;
    bool timed_out = false;
};

// Runs the passkoop binary with `args` (no shell), stdin from /dev/null, in a new session (so
// it has no controlling terminal to prompt on), and an environment holding only PATH and the
// PASSKOOP_* variables asked for (plus the sanitizers' options, so that a sanitizer build of the
// CLI reports where and as the rest of the suite does). Killed after 60 s.
CliRun run_cli(const std::vector<std::string>& args, const CliEnv& env = {}) {
    const std::string program = PASSKOOP_CLI;
    std::vector<std::string> env_strings = {"PATH=/usr/local/bin:/usr/bin:/bin"};
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
        if (const char* value = std::getenv(name)) env_strings.push_back(std::string(name) + "=" + value);
    if (env.lang) env_strings.push_back("PASSKOOP_LANG=" + *env.lang);
    if (env.passphrase) env_strings.push_back("PASSKOOP_PASSPHRASE=" + *env.passphrase);
    std::vector<char*> argv, envp;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Child: only async-signal-safe calls from here.
        ::setsid();
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0) ::_exit(127);
        ::execve(program.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    CliRun run;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&run.out, &run.err};
    int open_fds = 2;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            run.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[8192];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// Runs the CLI and requires exit code `expected`, showing the run's output on failure.
CliRun expect_cli(int expected, const std::vector<std::string>& args, const CliEnv& env = {}) {
    CliRun run = run_cli(args, env);
    std::string command = "passkoop";
    for (const auto& a : args) command += " " + a;
    INFO("command: ", command);
    INFO("stdout: ", run.out);
    INFO("stderr: ", run.err);
    REQUIRE_FALSE(run.timed_out);
    REQUIRE(run.code == expected);
    return run;
}

CliRun ok(const std::vector<std::string>& args, const CliEnv& env = {}) { return expect_cli(0, args, env); }

Envelope envelope_file(const std::filesystem::path& path) {
    auto env = envelope_from_json(json::parse(read_file(path)));
    REQUIRE(env.has_value());
    return *env;
}

json payload_json(const std::filesystem::path& path) { return json::parse(envelope_file(path).payload); }

std::string key_id_of_file(const std::filesystem::path& key_file) {
    const auto pub = from_base64_exact<32>(trimmed(ok({"pubkey", "--key", key_file.string()}).out));
    REQUIRE(pub.has_value());
    return key_id(*pub);
}

std::string issue(const std::filesystem::path& key, int coop, int member, std::vector<std::string> extra = {},
                  const CliEnv& env = {}) {
    std::vector<std::string> args = {"issue", "--key", key.string(), "--coop", std::to_string(coop), "--key-number", "1",
                                     "--member", std::to_string(member)};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string text = trimmed(ok(args, env).out);
    REQUIRE(text.starts_with("PK"));
    return text;
}

// A published version 1 made with the CLI: admins A, B, C (threshold 2, unencrypted keys),
// coop 12 La Cagette and coop 7 La Louve, each with key 1 valid from 2024-01-01.
struct Group {
    TempDir dir;
    std::string p(std::string_view name) const { return (dir / name).string(); }

    Group() {
        for (const char* k : {"a.key", "b.key", "c.key", "d.key", "coop12.key", "coop7.key"})
            ok({"keygen", "--out", p(k), "--no-passphrase"});
        ok({"registry", "init", "--out", p("draft.json"), "--name", "Alice", "--coop", "12", "--key-file", p("a.key")});
        ok({"registry", "add-admin", p("draft.json"), "--name", "Bruno", "--coop", "7", "--key-file", p("b.key")});
        ok({"registry", "add-admin", p("draft.json"), "--name", "Chloé", "--coop", "3", "--key-file", p("c.key"), "--threshold", "2"});
        ok({"registry", "add-coop", p("draft.json"), "--number", "12", "--name", "La Cagette", "--city", "Montpellier",
            "--latitude", "43.610769", "--longitude", "3.876716"});
        ok({"registry", "add-coop", p("draft.json"), "--number", "7", "--name", "La Louve", "--city", "Paris"});
        ok({"registry", "set-key", p("draft.json"), "--coop", "12", "--key-number", "1", "--key-file", p("coop12.key"),
            "--not-before", "2024-01-01"});
        ok({"registry", "set-key", p("draft.json"), "--coop", "7", "--key-number", "1", "--key-file", p("coop7.key"),
            "--not-before", "2024-01-01"});
        ok({"registry", "sign", p("draft.json"), "--key", p("a.key"), "--out", p("v1.json")});
        ok({"registry", "sign", p("v1.json"), "--key", p("b.key")});
        ok({"registry", "verify", p("v1.json")});
        ok({"registry", "bundle", "--registry", p("v1.json"), "--out", p("bundle-v1.json")});
    }
};

}  // namespace

TEST_CASE("cli group workflow from keygen to a verified pass with one encrypted admin key") {
    TempDir dir;
    auto p = [&](std::string_view name) { return (dir / name).string(); };
    const CliEnv with_passphrase{.passphrase = "phrase de passe de Bruno"};

    // Three admins, each on their own machine; Bruno protects his key with a passphrase.
    const CliRun keygen_a = ok({"keygen", "--out", p("a.key"), "--no-passphrase"});
    CHECK(contains(keygen_a.err, "ATTENTION"));
    CHECK(from_base64_exact<32>(trimmed(keygen_a.out)).has_value());
    // A new key's passphrase from the environment has the prompt's minimum length; nothing is written.
    const CliRun short_passphrase = expect_cli(2, {"keygen", "--out", p("b.key")}, CliEnv{.passphrase = "court"});
    CHECK(contains(short_passphrase.err, "8 caractères"));
    CHECK_FALSE(std::filesystem::exists(dir / "b.key"));
    const CliRun keygen_b = ok({"keygen", "--out", p("b.key")}, with_passphrase);
    CHECK_FALSE(contains(keygen_b.err, "ATTENTION"));
    const json b_file = json::parse(read_file(dir / "b.key"));
    CHECK(b_file["encryption"].is_object());
    CHECK(b_file["encryption"]["kdf"] == "argon2id13");
    CHECK_FALSE(b_file.contains("warning"));
    CHECK(from_base64(b_file["secret"].get<std::string>()).value().size() == 32 + 16);  // sealed seed
    ok({"keygen", "--out", p("c.key"), "--no-passphrase"});
    ok({"keygen", "--out", p("coop12.key"), "--no-passphrase"});
    // The public key printed by keygen is the one pubkey reads back (no passphrase needed).
    CHECK(trimmed(ok({"pubkey", "--key", p("b.key")}).out) == trimmed(keygen_b.out));

    // Admin A drafts version 1 and adds the others, then a coop, its key and its policy.
    ok({"registry", "init", "--out", p("draft.json"), "--name", "Alice", "--coop", "12", "--key-file", p("a.key")});
    ok({"registry", "add-admin", p("draft.json"), "--name", "Bruno", "--coop", "7", "--public-key", trimmed(keygen_b.out)});
    const CliRun add_c = ok({"registry", "add-admin", p("draft.json"), "--name", "Chloé", "--coop", "3", "--key-file",
                             p("c.key"), "--threshold", "2"});
    CHECK(contains(add_c.err, "seuil 2 sur 3"));
    ok({"registry", "add-coop", p("draft.json"), "--number", "12", "--name", "La Cagette", "--city", "Montpellier",
        "--department", "34", "--latitude", "43.610769", "--longitude", "3.876716"});
    ok({"registry", "set-key", p("draft.json"), "--coop", "12", "--key-number", "1", "--key-file", p("coop12.key")});
    ok({"registry", "set-policy", p("draft.json"), "--coop", "12", "--max-visits", "3", "--window-days", "60",
        "--conditions", "surcharge", "--surcharge-percent", "10"});
    const json draft = payload_json(dir / "draft.json");
    CHECK(draft["version"] == 1);
    CHECK(draft["previous"].is_null());
    CHECK(draft["admins"]["threshold"] == 2);
    CHECK(draft["admins"]["keys"].size() == 3);
    CHECK(draft["coops"][0]["latitude_e6"] == 43610769);
    CHECK(draft["coops"][0]["policy"]["max_visits"] == 3);
    CHECK(draft["coops"][0]["policy"]["conditions"] == "surcharge");

    // Each admin signs a copy of the same draft on their machine.
    std::filesystem::copy_file(dir / "draft.json", dir / "A.json");
    std::filesystem::copy_file(dir / "draft.json", dir / "B.json");
    ok({"registry", "sign", p("A.json"), "--key", p("a.key")});
    const CliRun one = expect_cli(1, {"registry", "verify", p("A.json")});
    CHECK(contains(one.out, "1 signature"));
    CHECK(contains(one.out, "sur 2"));
    CHECK(contains(one.out, "pas encore publiable"));

    // Bruno's encrypted key: no passphrase and no terminal, or a wrong one, are refused.
    const CliRun no_passphrase = expect_cli(2, {"registry", "sign", p("B.json"), "--key", p("b.key")});
    CHECK(contains(no_passphrase.err, "PASSKOOP_PASSPHRASE"));
    const CliRun wrong = expect_cli(2, {"registry", "sign", p("B.json"), "--key", p("b.key")},
                                    CliEnv{.passphrase = "pas la bonne phrase"});
    CHECK(contains(wrong.err, "b.key"));
    CHECK(read_file(dir / "B.json") == read_file(dir / "draft.json"));
    ok({"registry", "sign", p("B.json"), "--key", p("b.key")}, with_passphrase);
    CHECK(envelope_file(dir / "B.json").signatures.size() == 1);

    // A merges B's signature into her copy: 2 valid distinct signatures of 2 needed.
    const CliRun merged = ok({"registry", "sign", p("A.json"), "--merge", p("B.json")});
    CHECK(contains(merged.out, "2 signature(s) valide(s) distincte(s) sur 2 requise(s)"));
    const CliRun two = ok({"registry", "verify", p("A.json")});
    CHECK(contains(two.out, "2 signature"));
    CHECK(contains(two.out, "sur 2"));
    CHECK(contains(two.out, "publiable"));
    CHECK(envelope_file(dir / "A.json").signatures.size() == 2);
    // Merging again adds nothing: a key counts once.
    ok({"registry", "sign", p("A.json"), "--merge", p("B.json")});
    CHECK(envelope_file(dir / "A.json").signatures.size() == 2);

    // Publish, issue a pass, verify it at the till.
    const CliRun bundled = ok({"registry", "bundle", "--registry", p("A.json"), "--out", p("bundle.json")});
    CHECK(contains(bundled.out, "bundle.json"));
    const std::string text = issue(dir / "coop12.key", 12, 4242, {"--name", "Camille D.", "--days", "30"});
    const CliRun human = ok({"verify", "--registry", p("bundle.json"), text});
    CHECK(contains(human.out, "La Cagette"));
    CHECK(contains(human.out, "Camille D."));
    CHECK(contains(human.err, "--pin"));  // the note that the registry is not pinned

    const CliRun as_json = ok({"verify", "--registry", p("bundle.json"), "--json", text});
    const json v = json::parse(as_json.out);
    CHECK(v["code"] == "valid");
    CHECK(v["valid"] == true);
    CHECK(v["warnings"].is_array());
    CHECK(v["warnings"].empty());
    CHECK(std::regex_match(v["pass_id"].get<std::string>(), std::regex("[0-9a-f]{16}")));
    CHECK(v["coop"]["number"] == 12);
    CHECK(v["coop"]["name"] == "La Cagette");
    CHECK(v["member"]["number"] == 4242);
    CHECK(v["member"]["name"] == "Camille D.");
    const std::string expiry = v["expiry"].get<std::string>();
    CHECK(std::regex_match(expiry, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}")));
    CHECK(parse_day(expiry).value() == parse_day(v["issued"].get<std::string>()).value() + 29);
}

TEST_CASE("cli verify exit codes for an expired pass and a missing bundle") {
    Group g;
    const std::string expired =
        issue(g.dir / "coop12.key", 12, 99, {"--issued", "2025-01-01", "--until", "2025-06-30"});
    const CliRun human = expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), expired});
    CHECK(contains(human.out, "expired"));
    const CliRun as_json = expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--json", expired});
    const json v = json::parse(as_json.out);
    CHECK(v["code"] == "expired");
    CHECK(v["valid"] == false);
    CHECK(v["expiry"] == "2025-06-30");

    // A text that is not a pass at all is "not valid", not a usage error.
    const json garbage = json::parse(expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--json", "PK123"}).out);
    CHECK(garbage["valid"] == false);
    CHECK(garbage["pass_id"].is_null());

    const std::string text = issue(g.dir / "coop12.key", 12, 100);
    const CliRun missing = expect_cli(2, {"verify", "--registry", g.p("no-such-bundle.json"), text});
    CHECK(contains(missing.err, "no-such-bundle.json"));
    CHECK(missing.out.empty());
    const CliRun missing_en = expect_cli(2, {"--lang", "en", "verify", "--registry", g.p("no-such-bundle.json"), text});
    CHECK(contains(missing_en.err, "no-such-bundle.json: cannot read"));
    const CliRun no_registry = expect_cli(2, {"verify", text});
    CHECK(contains(no_registry.err, "--registry"));
    const CliRun unknown_language = expect_cli(2, {"--lang", "de", "verify", "--registry", g.p("bundle.json"), text});
    CHECK(contains(unknown_language.err, "fr or en"));
    CHECK(unknown_language.out.empty());
}

TEST_CASE("cli editing a signed draft drops its signatures with a notice") {
    Group g;
    std::filesystem::copy_file(g.dir / "v1.json", g.dir / "edited.json");
    REQUIRE(envelope_file(g.dir / "edited.json").signatures.size() == 2);
    const CliRun edit = ok({"registry", "add-coop", g.p("edited.json"), "--number", "3", "--name", "Coopalim"});
    CHECK(contains(edit.err, "2 signature(s) retirée(s)"));
    CHECK(envelope_file(g.dir / "edited.json").signatures.empty());
    const CliRun check = expect_cli(1, {"registry", "verify", g.p("edited.json")});
    CHECK(contains(check.out, "0 signature"));
    // An edit that changes nothing keeps them.
    std::filesystem::copy_file(g.dir / "v1.json", g.dir / "same.json");
    const CliRun same = ok({"registry", "set-policy", g.p("same.json"), "--coop", "12", "--welcomes", "oui"});
    CHECK_FALSE(contains(same.err, "retirée"));
    CHECK(envelope_file(g.dir / "same.json").signatures.size() == 2);
}

TEST_CASE("cli registry init from the current version chains to it") {
    Group g;
    const CliRun init = ok({"registry", "init", "--out", g.p("v2.json"), "--from", g.p("v1.json")});
    CHECK(contains(init.err, "version 2"));
    const Envelope v1 = envelope_file(g.dir / "v1.json");
    const Envelope v2 = envelope_file(g.dir / "v2.json");
    CHECK(v2.signatures.empty());
    const json p2 = json::parse(v2.payload);
    CHECK(p2["version"] == 2);
    CHECK(p2["previous"] == to_hex(blake2b256(as_bytes(v1.payload))));
    CHECK(p2["previous"] == to_hex(v1.payload_hash()));
    CHECK(p2["coops"] == json::parse(v1.payload)["coops"]);
    // The draft is not overwritten by accident.
    const CliRun again = expect_cli(2, {"registry", "init", "--out", g.p("v2.json"), "--from", g.p("v1.json")});
    CHECK(contains(again.err, "v2.json"));
    CHECK(contains(again.err, "--force"));
}

TEST_CASE("cli admin rotation needs the old and the new thresholds and bundles follow the chain") {
    Group g;
    const std::string a_id = key_id_of_file(g.dir / "a.key");
    ok({"registry", "init", "--out", g.p("v2.json"), "--from", g.p("v1.json")});
    ok({"registry", "add-admin", g.p("v2.json"), "--name", "Dora", "--coop", "7", "--key-file", g.p("d.key")});
    const CliRun removed = ok({"registry", "remove-admin", g.p("v2.json"), "--key-id", a_id});
    CHECK(contains(removed.err, "seuil 2 sur 3"));
    expect_cli(2, {"registry", "remove-admin", g.p("v2.json"), "--key-id", a_id});

    // Signed by two admins of the new set only (C is in both, D only new): one old signature.
    ok({"registry", "sign", g.p("v2.json"), "--key", g.p("c.key")});
    ok({"registry", "sign", g.p("v2.json"), "--key", g.p("d.key")});
    ok({"registry", "verify", g.p("v2.json")});  // its own admins are satisfied…
    const CliRun broken = expect_cli(1, {"registry", "verify", g.p("v2.json"), "--previous", g.p("v1.json")});
    CHECK(contains(broken.out, "broken_admin_chain"));
    CHECK(contains(broken.out, "admins de la version 1 : 1 signature"));
    // …and a till pinned on v1 refuses a bundle of it.
    ok({"registry", "bundle", "--registry", g.p("v2.json"), "--out", g.p("bundle-broken.json")});
    const CliRun refused = expect_cli(1, {"registry", "verify", g.p("bundle-broken.json"), "--pin", g.p("v1.json")});
    CHECK(contains(refused.out, "broken_admin_chain"));

    // A (old only) signs too: 2 of the old set (A, C) and 2 of the new (C, D).
    const CliRun note = ok({"registry", "sign", g.p("v2.json"), "--key", g.p("a.key")});
    CHECK(contains(note.err, "n'est pas admin de cette version"));
    const CliRun chained = ok({"registry", "verify", g.p("v2.json"), "--previous", g.p("v1.json")});
    CHECK(contains(chained.out, "admins de la version 1 : 2 signature"));
    CHECK(contains(chained.out, "publiable"));
    ok({"registry", "bundle", "--registry", g.p("v2.json"), "--from", g.p("bundle-v1.json"), "--out", g.p("bundle-v2.json")});

    // v3 changes no admin and is signed by the new admins only.
    ok({"registry", "init", "--out", g.p("v3.json"), "--from", g.p("v2.json")});
    ok({"registry", "add-coop", g.p("v3.json"), "--number", "3", "--name", "Coopalim", "--city", "Grenoble"});
    ok({"registry", "sign", g.p("v3.json"), "--key", g.p("b.key")});
    ok({"registry", "sign", g.p("v3.json"), "--key", g.p("d.key")});
    ok({"registry", "verify", g.p("v3.json"), "--previous", g.p("v2.json")});
    ok({"registry", "bundle", "--registry", g.p("v3.json"), "--from", g.p("bundle-v2.json"), "--out", g.p("bundle-v3.json")});

    const CliRun pinned = ok({"registry", "verify", g.p("bundle-v3.json"), "--pin", g.p("v1.json")});
    CHECK(contains(pinned.out, "registre version 3"));
    CHECK_FALSE(contains(pinned.out, "non épinglé"));

    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    const CliRun till = ok({"verify", "--registry", g.p("bundle-v3.json"), "--pin", g.p("v1.json"), "--json", text});
    CHECK(json::parse(till.out)["code"] == "valid");
    CHECK_FALSE(contains(till.err, "non épinglé"));

    // Without the admin history, a till pinned on v1 cannot follow: the bundle is refused.
    ok({"registry", "bundle", "--registry", g.p("v3.json"), "--out", g.p("bundle-v3-alone.json")});
    const CliRun lost = expect_cli(1, {"registry", "verify", g.p("bundle-v3-alone.json"), "--pin", g.p("v1.json")});
    CHECK(contains(lost.out, "bundle-v3-alone.json"));
    const CliRun till_lost = expect_cli(2, {"verify", "--registry", g.p("bundle-v3-alone.json"), "--pin", g.p("v1.json"), text});
    CHECK(contains(till_lost.err, "bundle-v3-alone.json"));
    // Pinned on a later version, an older bundle is a rollback.
    const CliRun rollback = expect_cli(1, {"registry", "verify", g.p("bundle-v1.json"), "--pin", g.p("v3.json")});
    CHECK(contains(rollback.out, "rollback"));

    // `bundle --from OLD` refuses to publish what the tills that loaded OLD would refuse…
    const CliRun skipped = expect_cli(2, {"registry", "bundle", "--registry", g.p("v3.json"), "--from", g.p("bundle-v1.json"),
                                          "--out", g.p("bundle-skip.json")});
    CHECK(contains(skipped.err, "bundle-v1.json"));
    CHECK(contains(skipped.err, "broken_admin_chain"));
    CHECK(contains(skipped.err, "--history"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "bundle-skip.json"));
    const CliRun back = expect_cli(2, {"registry", "bundle", "--registry", g.p("v1.json"), "--from", g.p("bundle-v3.json"),
                                       "--out", g.p("bundle-back.json")});
    CHECK(contains(back.err, "rollback"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "bundle-back.json"));
    // …and the missing link given with --history makes it followable.
    ok({"registry", "bundle", "--registry", g.p("v3.json"), "--from", g.p("bundle-v1.json"), "--history", g.p("v2.json"),
        "--out", g.p("bundle-skip.json")});
    ok({"verify", "--registry", g.p("bundle-skip.json"), "--pin", g.p("v1.json"), text});
}

TEST_CASE("cli revoke then rebundle makes the pass revoked") {
    Group g;
    const std::string text = issue(g.dir / "coop12.key", 12, 4242, {"--name", "Camille D."});
    const std::string other = issue(g.dir / "coop12.key", 12, 4243);
    const std::string pass_id = json::parse(ok({"verify", "--registry", g.p("bundle-v1.json"), "--json", text}).out)["pass_id"];

    const CliRun revoked = ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", text});
    CHECK(contains(revoked.out, pass_id));
    const json list = payload_json(g.dir / "revs.json");
    CHECK(list["type"] == "passkoop-revocations");
    CHECK(list["coop"] == 12);
    CHECK(list["sequence"] == 1);
    REQUIRE(list["entries"].size() == 1);
    CHECK(list["entries"][0]["pass_id"] == pass_id);

    const CliRun bundled = ok({"registry", "bundle", "--registry", g.p("v1.json"), "--revocations", g.p("revs.json"),
                               "--out", g.p("bundle-r1.json")});
    CHECK_FALSE(contains(bundled.out, "!"));
    const json v = json::parse(expect_cli(1, {"verify", "--registry", g.p("bundle-r1.json"), "--json", text}).out);
    CHECK(v["code"] == "revoked");
    CHECK(v["valid"] == false);
    CHECK(v["pass_id"] == pass_id);
    ok({"verify", "--registry", g.p("bundle-r1.json"), other});

    // A second revocation, re-bundled from the previous bundle: only the newest list is kept.
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", other});
    CHECK(payload_json(g.dir / "revs.json")["sequence"] == 2);
    const CliRun again = ok({"registry", "bundle", "--registry", g.p("v1.json"), "--from", g.p("bundle-r1.json"),
                             "--revocations", g.p("revs.json"), "--out", g.p("bundle-r2.json")});
    CHECK_FALSE(contains(again.out, "!"));
    CHECK(json::parse(read_file(g.dir / "bundle-r2.json"))["revocations"].size() == 1);
    expect_cli(1, {"verify", "--registry", g.p("bundle-r2.json"), text});
    const CliRun second = expect_cli(1, {"verify", "--registry", g.p("bundle-r2.json"), other});
    CHECK(contains(second.out, "revoked"));
    CHECK_FALSE(contains(second.err, "ignor"));
    // Re-bundling with the same list does not duplicate it either.
    ok({"registry", "bundle", "--registry", g.p("v1.json"), "--from", g.p("bundle-r2.json"), "--revocations",
        g.p("revs.json"), "--out", g.p("bundle-r3.json")});
    CHECK(json::parse(read_file(g.dir / "bundle-r3.json"))["revocations"].size() == 1);
    CHECK(contains(ok({"registry", "verify", g.p("bundle-r3.json")}).out, "2 pass révoqués"));
}

TEST_CASE("cli revocation list signed with another coop key is ignored with a warning") {
    Group g;
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    // La Louve's key signs a list for La Cagette. `passkoop revoke` refuses to (the pass does
    // not verify with that key), but anyone can write one: the bundle ignores it.
    expect_cli(2, {"revoke", "--key", g.p("coop7.key"), "--coop", "12", "--list", g.p("wrong.json"), "--pass", text});
    const json v = json::parse(ok({"verify", "--registry", g.p("bundle-v1.json"), "--json", text}).out);
    const RevocationList wrong{12, 1, instant("2026-01-01T00:00:00Z"),
                               {{parse_pass_id(v["pass_id"].get<std::string>()).value(), day(v["expiry"].get<std::string>())}}};
    const SigningKey louve = read_key_file(g.dir / "coop7.key", nullptr);
    write_file(g.dir / "wrong.json", envelope_to_json(sign_revocations(wrong, {&louve})).dump(2));
    const CliRun bundled = ok({"registry", "bundle", "--registry", g.p("v1.json"), "--revocations", g.p("wrong.json"),
                               "--out", g.p("bundle-w.json")});
    CHECK(contains(bundled.out, "revocations[0]"));
    CHECK(contains(bundled.out, "autre coop (7)"));
    const CliRun till = ok({"verify", "--registry", g.p("bundle-w.json"), "--json", text});
    CHECK(json::parse(till.out)["code"] == "valid");
    CHECK(contains(till.err, "bundle-w.json"));
    CHECK(contains(till.err, "revocations[0]"));
    const CliRun check = ok({"registry", "verify", g.p("bundle-w.json")});
    CHECK(contains(check.out, "revocations[0]"));
}

namespace {

// Writes `env` as the file `name` in the group's directory.
void write_envelope(const Group& g, std::string_view name, const Envelope& env) {
    write_file(g.dir / name, envelope_to_json(env).dump(2));
}

}  // namespace

TEST_CASE("cli revoke refuses to re-sign a revocation list the coop did not sign, and changes nothing") {
    Group g;
    const std::string first = issue(g.dir / "coop12.key", 12, 4242);
    const std::string second = issue(g.dir / "coop12.key", 12, 4243);
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", first});
    REQUIRE(payload_json(g.dir / "revs.json")["entries"].size() == 1);

    // Someone empties the list and keeps its signature, or signs the emptied list with another key.
    Envelope emptied = envelope_file(g.dir / "revs.json");
    json payload = json::parse(emptied.payload);
    payload["entries"] = json::array();
    emptied.payload = payload.dump();
    write_envelope(g, "tampered.json", emptied);
    Envelope resigned{emptied.payload_type, emptied.payload, {}};
    resigned.sign(read_key_file(g.dir / "coop7.key", nullptr));
    write_envelope(g, "resigned.json", resigned);
    for (const char* name : {"tampered.json", "resigned.json"}) {
        CAPTURE(name);
        const std::string before = read_file(g.dir / name);
        const CliRun refused = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p(name), "--pass", second});
        CHECK(contains(refused.err, name));
        CHECK(contains(refused.err, "n'est pas signée par cette clé de la coop"));
        CHECK(contains(refused.err, "rien n'a été changé"));
        CHECK(refused.out.empty());
        CHECK(read_file(g.dir / name) == before);
    }
    const CliRun english = expect_cli(2, {"--lang", "en", "revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list",
                                          g.p("tampered.json"), "--pass", second});
    CHECK(contains(english.err, "the existing list is not signed by this coop key"));

    // The list the coop signed takes the next revocation and keeps the first.
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", second});
    const json list = payload_json(g.dir / "revs.json");
    CHECK(list["sequence"] == 2);
    CHECK(list["entries"].size() == 2);
}

TEST_CASE("cli revoke takes over a list signed by a former key of the coop given with --previous-key") {
    Group g;
    ok({"keygen", "--out", g.p("old12.key"), "--no-passphrase"});
    const std::string old_public = trimmed(ok({"pubkey", "--key", g.p("old12.key")}).out);
    const std::string old_pass = issue(g.dir / "old12.key", 12, 4241);
    ok({"revoke", "--key", g.p("old12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", old_pass});

    // The coop now signs with coop12.key: the list of the old key is refused until it is named.
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    const std::string before = read_file(g.dir / "revs.json");
    const CliRun refused = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", text});
    CHECK(contains(refused.err, "--previous-key"));
    CHECK(read_file(g.dir / "revs.json") == before);
    const CliRun bad_key = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"),
                                          "--previous-key", "pas-une-clé", "--pass", text});
    CHECK(contains(bad_key.err, "--previous-key"));
    CHECK(read_file(g.dir / "revs.json") == before);

    // With it, a pass of the old key can be revoked too; the new list is signed by the new key.
    const std::string other_old_pass = issue(g.dir / "old12.key", 12, 4240);
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--previous-key", old_public, "--pass",
        text, "--pass", other_old_pass});
    const Envelope env = envelope_file(g.dir / "revs.json");
    REQUIRE(env.signatures.size() == 1);
    CHECK(env.signatures[0].keyid == key_id_of_file(g.dir / "coop12.key"));
    const json list = json::parse(env.payload);
    CHECK(list["sequence"] == 2);
    CHECK(list["entries"].size() == 3);
    // From now on the coop's current key is enough.
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", issue(g.dir / "coop12.key", 12, 4243)});
    CHECK(payload_json(g.dir / "revs.json")["entries"].size() == 4);
}

TEST_CASE("cli revoke refuses a pass text that does not verify with the coop key") {
    Group g;
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    // One digit mistyped in the second group (member number, dates): lowering a digit keeps the
    // group in range, so the text still decodes, to a pass nobody issued.
    std::string typo = text;
    const std::size_t at = typo.find_first_of("123456789", 2 + 17);
    REQUIRE(at < 2 + 34);
    --typo[at];
    CHECK(json::parse(expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--json", typo}).out)["code"] == "bad_signature");
    const CliRun refused = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", typo});
    CHECK(contains(refused.err, "n'est pas un pass signé par la clé de la coop"));
    CHECK(contains(refused.err, "rien n'a été révoqué"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "revs.json"));

    // A pass with La Cagette's number signed by another key (here La Louve's) is refused too.
    const std::string forged = issue(g.dir / "coop7.key", 12, 4242);
    const CliRun other_key = expect_cli(2, {"--lang", "en", "revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list",
                                            g.p("revs.json"), "--pass", forged});
    CHECK(contains(other_key.err, "not a pass signed by the coop's key"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "revs.json"));
    // An existing list is left as it was.
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", text});
    const std::string before = read_file(g.dir / "revs.json");
    expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", typo});
    CHECK(read_file(g.dir / "revs.json") == before);
}

TEST_CASE("cli revoke reads an ambiguous keyboard-mangled text as the verifier does") {
    Group g;
    // The two mangled alphabets share '&' and '(' (1 and 5 for a US scanner on an AZERTY till,
    // 7 and 9 for the reverse): a text holding them has two readings, and only one is signed.
    // The 7s and 9s of the second digit group become '&' and '('; the AZERTY reading, tried
    // first, lowers those digits, so it still decodes, to another pass id.
    std::string text, mangled;
    for (int member = 4242; mangled == text; ++member) {
        REQUIRE(member < 4342);
        text = issue(g.dir / "coop12.key", 12, member);
        mangled = text;
        for (std::size_t i = 2 + 17; i < 2 + 34; ++i) {
            if (mangled[i] == '7') mangled[i] = '&';
            if (mangled[i] == '9') mangled[i] = '(';
        }
    }
    const json original = json::parse(ok({"verify", "--registry", g.p("bundle-v1.json"), "--json", text}).out);
    const json read = json::parse(ok({"verify", "--registry", g.p("bundle-v1.json"), "--json", mangled}).out);
    CHECK(read["pass_id"] == original["pass_id"]);
    CHECK(read["warnings"] == json::array({"keyboard_layout_repaired"}));

    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", mangled});
    const json list = payload_json(g.dir / "revs.json");
    REQUIRE(list["entries"].size() == 1);
    CHECK(list["entries"][0]["pass_id"] == original["pass_id"]);
}

TEST_CASE("cli revoke refuses a pass of another coop") {
    Group g;
    const std::string louve = issue(g.dir / "coop7.key", 7, 77);
    const CliRun refused = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list",
                                          g.p("revs.json"), "--pass", louve});
    CHECK(contains(refused.err, "coop 7"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "revs.json"));
    const CliRun nothing = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json")});
    CHECK(contains(nothing.err, "--pass"));
    const CliRun unreadable = expect_cli(2, {"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list",
                                             g.p("revs.json"), "--pass", "PK12"});
    CHECK(contains(unreadable.err, "--pass"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "revs.json"));
}

namespace {

// True if `text` holds a control character other than a line end: C0, DEL, or C1 in UTF-8.
bool has_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
        if (c == 0xC2 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xE0) == 0x80) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("cli untrusted text from registries and bundles reaches the terminal without control characters") {
    Group g;
    // Clears the screen and retitles the terminal; U+009B is the one-character CSI.
    const std::string escape = "\x1b[2J\x1b]0;pwned\x07";
    ok({"registry", "init", "--out", g.p("v2.json"), "--from", g.p("v1.json")});
    ok({"registry", "add-coop", g.p("v2.json"), "--number", "3", "--name", "Coop" + escape + "alim", "--city", "Gre\xc2\x9b" "31mnoble",
        "--department", "\x1b[8m"});
    ok({"registry", "set-key", g.p("v2.json"), "--coop", "3", "--key-number", "1", "--key-file", g.p("d.key"), "--not-before", "2024-01-01"});
    ok({"registry", "add-admin", g.p("v2.json"), "--name", "Eve" + escape, "--coop", "3", "--key-file", g.p("d.key")});
    for (const char* key : {"a.key", "b.key", "c.key"}) ok({"registry", "sign", g.p("v2.json"), "--key", g.p(key)});
    REQUIRE(contains(json::parse(envelope_file(g.dir / "v2.json").payload).dump(), "\\u001b[2J"));
    ok({"registry", "bundle", "--registry", g.p("v2.json"), "--from", g.p("bundle-v1.json"), "--out", g.p("bundle-v2.json")});
    const std::string text = issue(g.dir / "d.key", 3, 4242);

    std::vector<CliRun> runs = {ok({"registry", "show", g.p("v2.json")}), ok({"registry", "show", g.p("bundle-v2.json")}),
                                ok({"registry", "diff", g.p("v1.json"), g.p("v2.json")}), ok({"registry", "verify", g.p("v2.json")}),
                                ok({"registry", "verify", g.p("bundle-v2.json")}),
                                ok({"verify", "--registry", g.p("bundle-v2.json"), text})};
    CHECK(contains(runs[0].out, "Coop?[2J?]0;pwned?alim"));
    CHECK(contains(runs[0].out, "Eve?[2J"));
    CHECK(contains(runs[2].out, "+ coop 3 Coop?[2J"));
    CHECK(contains(runs[5].out, "Coop?[2J?]0;pwned?alim (Gre?31mnoble)"));

    // Error details quote what a file holds: here an envelope's payload type.
    json evil = json::parse(read_file(g.dir / "bundle-v1.json"));
    evil["registry"]["payloadType"] = "application/x" + escape;
    write_file(g.dir / "evil.json", evil.dump());
    runs.push_back(expect_cli(2, {"verify", "--registry", g.p("evil.json"), text}));
    CHECK(contains(runs.back().err, "evil.json"));
    CHECK(contains(runs.back().err, "application/x?[2J"));
    runs.push_back(expect_cli(1, {"registry", "verify", g.p("evil.json")}));
    CHECK(contains(runs.back().out, "application/x?[2J"));
    runs.push_back(expect_cli(2, {"registry", "show", g.p("evil.json")}));
    for (const CliRun& run : runs) {
        CAPTURE(run.out);
        CAPTURE(run.err);
        CHECK_FALSE(has_control_character(run.out));
        CHECK_FALSE(has_control_character(run.err));
    }
}

TEST_CASE("cli keygen refuses to overwrite and writes owner-only files") {
    TempDir dir;
    const std::string path = (dir / "coop.key").string();
    const CliRun first = ok({"keygen", "--out", path, "--no-passphrase"});
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string before = read_file(path);

    const CliRun refused = expect_cli(2, {"keygen", "--out", path, "--no-passphrase"});
    CHECK(contains(refused.err, "coop.key"));
    CHECK(contains(refused.err, "--force"));
    CHECK(refused.out.empty());
    CHECK(read_file(path) == before);

    // --force replaces it, still owner-only even if the old file was not.
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    const CliRun forced = ok({"keygen", "--out", path, "--no-passphrase", "--force"});
    CHECK(read_file(path) != before);
    CHECK(trimmed(forced.out) != trimmed(first.out));
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(trimmed(ok({"pubkey", "--key", path}).out) == trimmed(forced.out));
    expect_cli(2, {"keygen", "--no-passphrase"});
}

TEST_CASE("cli errors name the file and what is wrong in French or English") {
    Group g;
    write_file(g.dir / "broken.json", "{\"payloadType\": \"application/vnd.passkoop.registry.v1+json\", ");
    for (const char* sub : {"verify", "show"}) {
        const CliRun r = expect_cli(2, {"registry", sub, g.p("broken.json")});
        CHECK(contains(r.err, "broken.json"));
        CHECK(contains(r.err, "JSON invalide"));
    }
    const CliRun add = expect_cli(2, {"registry", "add-coop", g.p("broken.json"), "--number", "5", "--name", "X"});
    CHECK(contains(add.err, "broken.json : JSON invalide"));
    const CliRun broken_en = expect_cli(2, {"registry", "verify", g.p("broken.json")}, CliEnv{.lang = "en"});
    CHECK(contains(broken_en.err, "broken.json"));
    CHECK(contains(broken_en.err, "invalid JSON"));

    // A well-formed envelope whose payload holds a float.
    json payload = payload_json(g.dir / "v1.json");
    payload["coops"][0]["latitude_e6"] = 43.610769;
    const json envelope = {{"payloadType", "application/vnd.passkoop.registry.v1+json"},
                           {"payload", to_base64(as_bytes(payload.dump()))},
                           {"signatures", json::array()}};
    write_file(g.dir / "float.json", envelope.dump());
    for (const char* sub : {"verify", "show"}) {
        const CliRun r = expect_cli(2, {"registry", sub, g.p("float.json")});
        CHECK(contains(r.err, "float.json"));
        CHECK(contains(r.err, "latitude_e6"));
        CHECK(contains(r.err, "décimal"));
    }
    const CliRun float_bundle = expect_cli(2, {"registry", "bundle", "--registry", g.p("float.json"), "--out", g.p("x.json")});
    CHECK(contains(float_bundle.err, "float.json"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "x.json"));
    const CliRun float_en = expect_cli(2, {"--lang", "en", "registry", "show", g.p("float.json")});
    CHECK(contains(float_en.err, "decimal number not allowed"));

    // Unknown options and commands.
    const CliRun unknown = expect_cli(2, {"verify", "--registry", g.p("bundle-v1.json"), "--bogus", "PK"});
    CHECK(contains(unknown.err, "option inconnue : --bogus"));
    const CliRun unknown_en = expect_cli(2, {"--lang", "en", "verify", "--registry", g.p("bundle-v1.json"), "--bogus", "PK"});
    CHECK(contains(unknown_en.err, "unknown option: --bogus"));
    const CliRun unknown_env = expect_cli(2, {"registry", "sign", g.p("v1.json"), "--bogus"}, CliEnv{.lang = "en"});
    CHECK(contains(unknown_env.err, "unknown option: --bogus"));
    CHECK(contains(expect_cli(2, {"frobnicate"}).err, "commande inconnue : frobnicate"));
    CHECK(contains(expect_cli(2, {"registry", "frobnicate"}).err, "frobnicate"));
    CHECK(contains(expect_cli(2, {"issue", "--key", g.p("coop12.key"), "--coop", "12", "--key-number", "1",
                                  "--member", "abc"})
                       .err,
                   "--member"));
    CHECK(contains(expect_cli(2, {"issue", "--key", g.p("missing.key"), "--coop", "12", "--key-number", "1",
                                  "--member", "1"})
                       .err,
                   "missing.key"));
    const CliRun bad_date = expect_cli(2, {"verify", "--registry", g.p("bundle-v1.json"), "--at", "21/11/2026", "PK"});
    CHECK(contains(bad_date.err, "--at"));

    // Help: French by default, English on request.
    CHECK(contains(ok({"--help"}).out, "Registre (admins)"));
    CHECK(contains(ok({"--help"}, CliEnv{.lang = "en"}).out, "Registry (admins)"));
    CHECK(contains(expect_cli(2, {}).out, "passkoop registry init"));
    // English through --lang for a successful command too.
    CHECK(contains(ok({"--lang", "en", "registry", "verify", g.p("v1.json")}).out, "ready to publish"));
}

TEST_CASE("cli registry show and diff summarise versions") {
    Group g;
    const CliRun show = ok({"registry", "show", g.p("v1.json")});
    CHECK(contains(show.out, "Registre Pass'Koop — version 1"));
    CHECK(contains(show.out, "aucune (première version)"));
    CHECK(contains(show.out, "3 clé(s), seuil 2"));
    CHECK(contains(show.out, "Chloé (coop 3)"));
    CHECK(contains(show.out, "12 La Cagette — Montpellier"));
    CHECK(contains(show.out, "7 La Louve — Paris"));
    CHECK(contains(show.out, to_hex(envelope_file(g.dir / "v1.json").payload_hash())));
    const CliRun brief = ok({"registry", "show", g.p("v1.json"), "--brief"});
    CHECK_FALSE(contains(brief.out, "La Cagette"));
    CHECK(contains(ok({"registry", "show", g.p("bundle-v1.json")}).out, "Révocations : 0 pass"));
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v1.json")}).out, "Pass'Koop registry — version 1"));

    ok({"registry", "init", "--out", g.p("v2.json"), "--from", g.p("v1.json")});
    ok({"registry", "add-coop", g.p("v2.json"), "--number", "3", "--name", "Coopalim", "--city", "Grenoble"});
    ok({"registry", "set-policy", g.p("v2.json"), "--coop", "12", "--welcomes", "non"});
    const CliRun diff = ok({"registry", "diff", g.p("v1.json"), g.p("v2.json")});
    CHECK(contains(diff.out, "version 1 → 2"));
    CHECK(contains(diff.out, "+ coop 3 Coopalim"));
    CHECK(contains(diff.out, "~ coop 12 La Cagette"));
    CHECK(contains(diff.out, "n'accueille pas de visiteurs"));
    CHECK_FALSE(contains(diff.out, "coop 7"));
    CHECK(contains(ok({"registry", "diff", g.p("v1.json"), g.p("v1.json")}).out, "aucune différence"));
    expect_cli(2, {"registry", "diff", g.p("v1.json")});
}

TEST_CASE("cli verify --state keeps a revocation that a later bundle strips") {
    Group g;
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    ok({"revoke", "--key", g.p("coop12.key"), "--coop", "12", "--list", g.p("revs.json"), "--pass", text});
    ok({"registry", "bundle", "--registry", g.p("v1.json"), "--revocations", g.p("revs.json"), "--out", g.p("bundle-r1.json")});

    expect_cli(1, {"verify", "--registry", g.p("bundle-r1.json"), "--state", g.p("state.json"), text});
    REQUIRE(std::filesystem::exists(g.dir / "state.json"));
    // The mirror now serves the same registry without the list: the state keeps it.
    const CliRun stripped = expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--state", g.p("state.json"), text});
    CHECK(contains(stripped.out, "revoked"));
    CHECK(contains(stripped.err, "absente du bundle"));
    CHECK(contains(read_file(g.dir / "state.json"), "passkoop-bundle"));
    // --pin takes a saved state as well as a registry envelope.
    expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--pin", g.p("state.json"), text});
    ok({"verify", "--registry", g.p("bundle-v1.json"), "--pin", g.p("v1.json"), text});
    expect_cli(2, {"verify", "--registry", g.p("bundle-v1.json"), "--pin", g.p("v1.json"), "--state", g.p("state.json"), text});
}

// Regression: an unsigned bundle of 100,000 nested '[' crashed `passkoop verify` (stack overflow).
TEST_CASE("cli verify refuses a bundle nested too deep with a clear error") {
    TempDir dir;
    write_file(dir / "deep.json", std::string(100000, '[') + std::string(100000, ']'));
    const CliRun run = expect_cli(2, {"verify", "--registry", (dir / "deep.json").string(), "PK123"});
    CHECK(contains(run.err, "trop profondément"));
    const CliRun registry_verify = run_cli({"registry", "verify", (dir / "deep.json").string()});
    CHECK(registry_verify.code != -1);
    CHECK(registry_verify.code != 0);
}

TEST_CASE("cli every command and registry subcommand has its own --help") {
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"keygen"}, {"pubkey"}, {"issue"}, {"verify"}, {"revoke"}, {"card"}, {"issue-batch"}, {"directory"},
          {"registry", "init"}, {"registry", "renew"}, {"registry", "add-coop"}, {"registry", "set-key"},
          {"registry", "set-policy"}, {"registry", "add-admin"}, {"registry", "remove-admin"}, {"registry", "sign"},
          {"registry", "verify"}, {"registry", "show"}, {"registry", "diff"}, {"registry", "bundle"},
          {"registry", "import-directory"}}) {
        std::string name = "passkoop";
        for (const auto& word : command) name += " " + word;
        CAPTURE(name);
        std::vector<std::string> args = command;
        // --help wins over a mistyped option given with it.
        args.insert(args.end(), {"--no-such-option", "--help"});
        const CliRun fr = ok(args);
        CHECK(fr.out.starts_with(name + " "));
        CHECK(fr.err.empty());
        args.insert(args.begin(), {"--lang", "en"});
        CHECK(ok(args).out.starts_with(name + " "));
    }
    // The validity of a new version is where its admins look for it.
    CHECK(contains(ok({"registry", "init", "--help"}).out, "--valid-days"));
    CHECK(contains(ok({"registry", "init", "-h"}).out, "180 jours"));
    CHECK(contains(ok({"registry", "--help"}).out, "renew"));
    CHECK(contains(ok({"--lang=en", "registry", "renew", "--help"}).out, "same content, new dates"));
    // Without --help, an unknown option is still refused.
    const CliRun unknown = expect_cli(2, {"registry", "init", "--no-such-option"});
    CHECK(contains(unknown.err, "option inconnue : --no-such-option"));
    CHECK(contains(unknown.err, "--help"));
}

TEST_CASE("cli --version prints the project version") {
    CHECK(ok({"--version"}).out == std::string("passkoop ") + PASSKOOP_PROJECT_VERSION + "\n");
}

TEST_CASE("cli issue --until a past day says that the day is past") {
    Group g;
    const CliRun past = expect_cli(2, {"issue", "--key", g.p("coop12.key"), "--coop", "12", "--key-number", "1", "--member", "5",
                                       "--until", "2020-06-01"});
    CHECK(contains(past.err, "--until : le 01/06/2020 est passé"));
    CHECK(past.out.empty());
    const CliRun past_en = expect_cli(2, {"--lang", "en", "issue", "--key", g.p("coop12.key"), "--coop", "12", "--key-number",
                                          "1", "--member", "5", "--until", "2020-06-01"});
    CHECK(contains(past_en.err, "--until: 2020-06-01 is past"));
    const CliRun before_issue = expect_cli(2, {"issue", "--key", g.p("coop12.key"), "--coop", "12", "--key-number", "1",
                                               "--member", "5", "--issued", "2025-03-01", "--until", "2025-02-01"});
    CHECK(contains(before_issue.err, "est avant la date d'émission, le 01/03/2025"));
}

TEST_CASE("cli verify and registry show speak French in French") {
    Group g;
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    const CliRun valid = ok({"verify", "--registry", g.p("bundle-v1.json"), text});
    CHECK(valid.out.starts_with("OUI  Pass valide\n"));
    CHECK_FALSE(contains(valid.out, "OK"));
    CHECK(ok({"--lang", "en", "verify", "--registry", g.p("bundle-v1.json"), text}).out.starts_with("YES  Valid pass\n"));
    const std::string expired = issue(g.dir / "coop12.key", 12, 99, {"--issued", "2025-01-01", "--until", "2025-06-30"});
    CHECK(expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), expired}).out.starts_with("NON  Pass expiré [expired]\n"));

    ok({"registry", "set-key", g.p("v1.json"), "--coop", "7", "--key-number", "1", "--status", "compromised"});
    const CliRun show = ok({"registry", "show", g.p("v1.json")});
    CHECK(contains(show.out, "clé 1 COMPROMISE"));
    CHECK_FALSE(contains(show.out, "compromised"));
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v1.json")}).out, "key 1 COMPROMISED"));
}

TEST_CASE("cli registry versions are valid 180 days and show says so with the tills' grace") {
    Group g;
    const json v1 = payload_json(g.dir / "v1.json");
    const std::int64_t issued = parse_instant(v1["issued_at"].get<std::string>()).value();
    const std::int64_t expires = parse_instant(v1["expires_at"].get<std::string>()).value();
    CHECK(expires - issued == 180 * 86400);
    const CliRun show = ok({"registry", "show", g.p("v1.json"), "--brief"});
    CHECK(contains(show.out, "validité : 180 jours ; tolérance des caisses après expiration : 90 jours (jusqu'au " +
                                 format_day_fr(day_of(expires + 90 * 86400)) + ")"));
    CHECK(contains(ok({"registry", "show", g.p("v1.json"), "--grace-days", "10"}).out, "tolérance des caisses après expiration : 10 jours"));
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v1.json")}).out, "validity: 180 days; tills' grace after expiry: 90 days"));
    // --valid-days still chooses another validity.
    ok({"registry", "renew", "--from", g.p("v1.json"), "--out", g.p("v2.json"), "--valid-days", "365"});
    const json v2 = payload_json(g.dir / "v2.json");
    CHECK(parse_instant(v2["expires_at"].get<std::string>()).value() - parse_instant(v2["issued_at"].get<std::string>()).value() ==
          365 * 86400);
}

TEST_CASE("cli registry show and verify warn from 30 days before expiry, then stale, then refused after the grace") {
    Group g;
    const json v1 = payload_json(g.dir / "v1.json");
    const std::int64_t issued = parse_instant(v1["issued_at"].get<std::string>()).value();
    const std::int64_t expires = parse_instant(v1["expires_at"].get<std::string>()).value();
    const std::int64_t expiry_day = day_of(expires);
    auto at = [](std::int64_t day) { return format_day(day); };
    auto show = [&](std::int64_t day) { return ok({"registry", "show", g.p("v1.json"), "--brief", "--at", at(day)}).out; };

    // 31 days before: nothing to say yet.
    CHECK_FALSE(contains(show(expiry_day - 31), "!"));
    CHECK_FALSE(contains(show(expiry_day - 31), "✘"));
    // From 30 days before: renew now, in show, verify (still publishable) and for a bundle.
    const std::string soon = "! Expire dans 10 jour(s), le " + format_day_fr(expiry_day) + " : renouvelez-le maintenant";
    CHECK(contains(show(expiry_day - 10), soon));
    const CliRun verify_soon = ok({"registry", "verify", g.p("v1.json"), "--at", at(expiry_day - 10)});
    CHECK(contains(verify_soon.out, soon));
    CHECK(contains(verify_soon.out, "✔ publiable"));
    CHECK(contains(ok({"registry", "verify", g.p("bundle-v1.json"), "--at", at(expiry_day - 10)}).out, soon));
    CHECK(contains(ok({"registry", "show", g.p("bundle-v1.json"), "--at", at(expiry_day - 10)}).out, soon));
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v1.json"), "--at", at(expiry_day - 10)}).out,
                   "! Expires in 10 day(s), on " + format_day(expiry_day) + ": renew it now"));

    // After expires_at: the stale warning with the date, passes still accepted until the grace ends.
    const std::string stale = "! Registre non mis à jour depuis le " + format_day_fr(day_of(issued)) + " : expiré le " +
                              format_day_fr(expiry_day) + " ; les caisses refuseront tous les passes après le " +
                              format_day_fr(day_of(expires + 90 * 86400));
    CHECK(contains(show(expiry_day + 1), stale));
    CHECK(contains(show(day_of(expires + 90 * 86400)), stale));
    // Still accepted by the tills, but an expired version is not to be published.
    const CliRun verify_stale = expect_cli(1, {"registry", "verify", g.p("v1.json"), "--at", at(expiry_day + 1)});
    CHECK(contains(verify_stale.out, stale));
    CHECK(contains(verify_stale.out, "✘ pas publiable : cette version a expiré"));
    CHECK_FALSE(contains(verify_stale.out, "✔ publiable"));
    expect_cli(1, {"registry", "verify", g.p("bundle-v1.json"), "--at", at(expiry_day + 1)});
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v1.json"), "--at", at(expiry_day + 1)}).out,
                   "! Registry not updated since " + format_day(day_of(issued)) + ": expired on " + format_day(expiry_day)));
    const std::string text = issue(g.dir / "coop12.key", 12, 4242, {"--days", "1000"});
    ok({"verify", "--registry", g.p("bundle-v1.json"), "--at", at(day_of(expires + 90 * 86400)), text});

    // After the grace: refused by the tills.
    const std::int64_t refused_day = day_of(expires + 90 * 86400) + 1;
    const std::string refused = "✘ Registre expiré le " + format_day_fr(expiry_day) + ", tolérance finie le " +
                                format_day_fr(day_of(expires + 90 * 86400)) + " : les caisses refusent tous les passes";
    CHECK(contains(show(refused_day), refused));
    const CliRun verify_refused = expect_cli(1, {"registry", "verify", g.p("v1.json"), "--at", at(refused_day)});
    CHECK(contains(verify_refused.out, refused));
    CHECK(contains(verify_refused.out, "✘ pas publiable : cette version a expiré"));
    expect_cli(1, {"registry", "verify", g.p("bundle-v1.json"), "--at", at(refused_day)});
    expect_cli(1, {"verify", "--registry", g.p("bundle-v1.json"), "--at", at(refused_day), text});
    // A shorter grace refuses sooner.
    expect_cli(1, {"registry", "verify", g.p("v1.json"), "--at", at(expiry_day + 11), "--grace-days", "10"});
}

TEST_CASE("cli registry renew makes the next version with the same content and new dates, ready to sign") {
    Group g;
    const CliRun renew = ok({"registry", "renew", "--from", g.p("v1.json"), "--out", g.p("v2.json")});
    CHECK(contains(renew.out, "Version 2 prête à signer : " + g.p("v2.json")));
    CHECK(contains(renew.out, "passkoop registry verify " + g.p("v2.json") + " --previous " + g.p("v1.json")));
    const Envelope v1 = envelope_file(g.dir / "v1.json");
    const Envelope v2 = envelope_file(g.dir / "v2.json");
    CHECK(v2.signatures.empty());
    json p1 = json::parse(v1.payload), p2 = json::parse(v2.payload);
    CHECK(p2["version"] == 2);
    CHECK(p2["previous"] == to_hex(v1.payload_hash()));
    CHECK(parse_instant(p2["expires_at"].get<std::string>()).value() - parse_instant(p2["issued_at"].get<std::string>()).value() ==
          180 * 86400);
    CHECK(parse_instant(p2["issued_at"].get<std::string>()).value() >= parse_instant(p1["issued_at"].get<std::string>()).value());
    for (const char* field : {"version", "previous", "issued_at", "expires_at"}) p1.erase(field), p2.erase(field);
    CHECK(p1 == p2);  // same admins, coops, keys and policies

    // The round: each admin signs their copy, one merges, checks against the version in use, publishes.
    std::filesystem::copy_file(g.dir / "v2.json", g.dir / "v2-bruno.json");
    ok({"registry", "sign", g.p("v2.json"), "--key", g.p("a.key")});
    ok({"registry", "sign", g.p("v2-bruno.json"), "--key", g.p("b.key")});
    ok({"registry", "sign", g.p("v2.json"), "--merge", g.p("v2-bruno.json")});
    CHECK(contains(ok({"registry", "verify", g.p("v2.json"), "--previous", g.p("v1.json")}).out, "✔ publiable"));
    ok({"registry", "bundle", "--registry", g.p("v2.json"), "--from", g.p("bundle-v1.json"), "--out", g.p("bundle-v2.json")});
    const std::string text = issue(g.dir / "coop12.key", 12, 4242);
    ok({"verify", "--registry", g.p("bundle-v2.json"), "--pin", g.p("v1.json"), text});

    // From the published bundle too (what every admin has at hand).
    ok({"registry", "renew", "--from", g.p("bundle-v2.json"), "--out", g.p("v3.json")});
    CHECK(payload_json(g.dir / "v3.json")["version"] == 3);
    CHECK(payload_json(g.dir / "v3.json")["previous"] == to_hex(envelope_file(g.dir / "v2.json").payload_hash()));

    // Never over an existing file without --force, never from a draft no till ever trusted.
    const std::string v3_before = read_file(g.dir / "v3.json");
    CHECK(contains(expect_cli(2, {"registry", "renew", "--from", g.p("v2.json"), "--out", g.p("v3.json")}).err, "--force"));
    CHECK(read_file(g.dir / "v3.json") == v3_before);
    const CliRun from_draft = expect_cli(2, {"registry", "renew", "--from", g.p("v3.json"), "--out", g.p("v4.json")});
    CHECK(contains(from_draft.err, "n'est pas une version publiée (0 signature(s) valide(s) sur 2)"));
    CHECK_FALSE(std::filesystem::exists(g.dir / "v4.json"));
    expect_cli(2, {"registry", "renew", "--out", g.p("v4.json")});
    ok({"registry", "renew", "--from", g.p("v2.json"), "--out", g.p("v3.json"), "--force"});
}

TEST_CASE("cli registry verify applies --pin to a registry file") {
    Group g;
    ok({"registry", "renew", "--from", g.p("v1.json"), "--out", g.p("v2.json")});
    ok({"registry", "sign", g.p("v2.json"), "--key", g.p("a.key")});
    ok({"registry", "sign", g.p("v2.json"), "--key", g.p("b.key")});
    CHECK(contains(ok({"registry", "verify", g.p("v2.json"), "--pin", g.p("v1.json")}).out, "✔ suit la version épinglée 1"));
    // A till pinned on version 2 never goes back to version 1: not publishable for it.
    const CliRun rollback = expect_cli(1, {"registry", "verify", g.p("v1.json"), "--pin", g.p("v2.json")});
    CHECK(contains(rollback.out, "[rollback]"));
    CHECK(contains(rollback.out, "✘ pas encore publiable"));
    // A pin that is not a published registry is an error, not a pass.
    expect_cli(2, {"registry", "verify", g.p("v2.json"), "--pin", g.p("draft.json")});
    // show takes --pin only for a bundle, and says where to use it instead.
    CHECK(contains(expect_cli(2, {"registry", "show", g.p("v2.json"), "--pin", g.p("v1.json")}).err, "registry verify --pin"));
}

TEST_CASE("cli registry diff shows new keys with their id and a new coop with its keys, and show prints the note") {
    Group g;
    ok({"keygen", "--out", g.p("coop3.key"), "--no-passphrase"});
    ok({"keygen", "--out", g.p("coop12-2.key"), "--no-passphrase"});
    ok({"registry", "renew", "--from", g.p("v1.json"), "--out", g.p("v2.json")});
    ok({"registry", "add-coop", g.p("v2.json"), "--number", "3", "--name", "Coopalim", "--city", "Grenoble"});
    ok({"registry", "set-key", g.p("v2.json"), "--coop", "3", "--key-number", "1", "--key-file", g.p("coop3.key"), "--not-before",
        "2026-01-01", "--not-after", "2027-12-31"});
    ok({"registry", "set-key", g.p("v2.json"), "--coop", "12", "--key-number", "2", "--key-file", g.p("coop12-2.key"),
        "--not-before", "2026-01-01", "--not-after", "2027-12-31"});
    ok({"registry", "set-policy", g.p("v2.json"), "--coop", "12", "--note", "3 achats d'essai"});
    const CliRun diff = ok({"registry", "diff", g.p("v1.json"), g.p("v2.json")});
    CHECK(contains(diff.out, "+ coop 3 Coopalim — accueille les visiteurs, sans limite\n"));
    CHECK(contains(diff.out, "+ coop 3 Coopalim clé 1 active 01/01/2026 → 31/12/2027 (" + key_id_of_file(g.dir / "coop3.key") + ")\n"));
    CHECK(contains(diff.out, "+ coop 12 La Cagette clé 2 active 01/01/2026 → 31/12/2027 (" + key_id_of_file(g.dir / "coop12-2.key") + ")\n"));
    CHECK(contains(diff.out, "~ coop 12 La Cagette : note (aucune) → « 3 achats d'essai »"));
    CHECK(contains(ok({"--lang", "en", "registry", "diff", g.p("v1.json"), g.p("v2.json")}).out,
                   "+ coop 3 Coopalim key 1 active 2026-01-01 → 2027-12-31 (" + key_id_of_file(g.dir / "coop3.key") + ")"));
    const CliRun show = ok({"registry", "show", g.p("v2.json")});
    CHECK(contains(show.out, "      note : « 3 achats d'essai »\n"));
    CHECK(contains(ok({"--lang", "en", "registry", "show", g.p("v2.json")}).out, "      note: \"3 achats d'essai\"\n"));
}

TEST_CASE("shipped coops directory spells Coopalim's city Strasbourg") {
    const json directory = json::parse(read_file(std::filesystem::path(PASSKOOP_SOURCE_DIR) / "tools/data/coops-directory.json"));
    bool found = false;
    for (const json& coop : directory) {
        CHECK(coop.at("city") != "Strabourg");
        if (coop.at("name") == "Coopalim") {
            found = true;
            CHECK(coop.at("city") == "Strasbourg");
        }
    }
    CHECK(found);
}
