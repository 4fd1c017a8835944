#include "cli.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>

#include <nlohmann/json.hpp>

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace passkoop::cli {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path, std::size_t limit) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) throw CliError(path.string() + tr(" : lecture impossible : ", ": cannot read: ") + ec.message());
    if (size > limit)
        throw CliError(path.string() + tr(" : fichier trop gros (", ": file too large (") + std::to_string(size) +
                       tr(" octets, limite ", " bytes, limit ") + std::to_string(limit) + ")");
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    if (!in && !in.eof()) throw CliError(path.string() + tr(" : lecture impossible", ": cannot read"));
    return s.str();
}

void write_file_atomic(const fs::path& path, const std::string& content, const WriteOptions& options) {
    if (passkoop::write_file_atomic(path, content, options)) throw CliError(path.string() + tr(" : écriture impossible", ": cannot write"));
}

Envelope read_envelope_file(const fs::path& path) {
    auto env = parse_envelope_text(read_file(path, kMaxBundleBytes));
    if (!env) throw CliError(path.string() + " : " + env.error().detail);
    return std::move(*env);
}

void write_envelope_file(const fs::path& path, const Envelope& envelope) {
    write_file_atomic(path, envelope_to_json(envelope).dump(2) + "\n");
}

Passphrase ask_passphrase(const std::string& prompt, bool confirm) {
    if (const char* env = std::getenv("PASSKOOP_PASSPHRASE")) {
        // A new key gets the same minimum from the environment as from the prompt.
        if (confirm && std::strlen(env) < 8)
            throw CliError(tr("PASSKOOP_PASSPHRASE trop courte pour une nouvelle clé (8 caractères au moins)",
                              "PASSKOOP_PASSPHRASE too short for a new key (8 characters at least)"));
        return Passphrase(env);
    }
    FILE* tty = std::fopen("/dev/tty", "r+");
    if (tty == nullptr)
        throw CliError(tr("phrase de passe requise : pas de terminal, définissez PASSKOOP_PASSPHRASE",
                          "passphrase required: no terminal, set PASSKOOP_PASSPHRASE"));
    auto read_hidden = [&](const std::string& label) {
        std::fputs(label.c_str(), tty);
        std::fflush(tty);
        termios old{};
        const int fd = ::fileno(tty);
        const bool has_termios = ::tcgetattr(fd, &old) == 0;
        if (has_termios) {
            termios quiet = old;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(fd, TCSAFLUSH, &quiet);
        }
        char buffer[1024] = {};
        const bool got = std::fgets(buffer, sizeof buffer, tty) != nullptr;
        if (has_termios) ::tcsetattr(fd, TCSAFLUSH, &old);
        std::fputs("\n", tty);
        std::string_view line(buffer);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        Passphrase p(got ? line : std::string_view{});
        sodium_memzero(buffer, sizeof buffer);
        return p;
    };
    Passphrase first = read_hidden(prompt);
    if (confirm) {
        Passphrase again = read_hidden(tr("Confirmez : ", "Confirm: "));
        if (first.view().size() < 8 || !equal_constant_time(as_bytes(first.view()), as_bytes(again.view()))) {
            std::fclose(tty);
            throw CliError(first.view().size() < 8 ? tr("phrase de passe trop courte (8 caractères au moins)",
                                                        "passphrase too short (8 characters at least)")
                                                   : tr("les deux saisies diffèrent", "the two entries differ"));
        }
    }
    std::fclose(tty);
    return first;
}

SigningKey open_key_file(const fs::path& path) {
    if (!key_file_is_encrypted(path)) return read_key_file(path, nullptr);
    const Passphrase passphrase = ask_passphrase(tr("Phrase de passe pour ", "Passphrase for ") + path.string() + " : ", false);
    return read_key_file(path, &passphrase);
}

PublicKey public_key_argument(const Args& args) {
    const auto b64 = args.get("public-key");
    const auto file = args.get("key-file");
    if (b64.has_value() == file.has_value())
        throw CliError(tr("donnez soit --public-key BASE64, soit --key-file FICHIER", "give either --public-key BASE64 or --key-file FILE"));
    if (file) return key_file_public_key(*file);
    const auto key = from_base64_exact<32>(*b64);
    if (!key) throw CliError(tr("--public-key : 32 octets en base64 attendus", "--public-key: 32 bytes of base64 expected"));
    return *key;
}

IssueDays issue_days(const Args& args) {
    const std::int64_t issued = args.date("issued").value_or(day_of(unix_now()));
    std::int64_t expiry = issued + 364;  // one year, the issue day included
    if (args.get("days") && args.get("until")) throw CliError(tr("--days ou --until, pas les deux", "--days or --until, not both"));
    if (const auto days = args.integer("days", 1, 3660)) expiry = issued + *days - 1;
    if (const auto until = args.date("until")) expiry = *until;
    const std::int64_t today = day_of(unix_now());
    auto day_text = [](std::int64_t day) { return language() == Lang::en ? format_day(day) : format_day_fr(day); };
    if (expiry < issued && !args.get("issued") && expiry < today)
        throw CliError(tr("--until : le ", "--until: ") + day_text(expiry) + tr(" est passé (nous sommes le ", " is past (today is ") +
                       day_text(today) + tr(") ; un pass doit expirer aujourd'hui ou plus tard", "); a pass must expire today or later"));
    if (expiry < issued)
        throw CliError(tr("--until : le ", "--until: ") + day_text(expiry) + tr(" est avant la date d'émission, le ", " is before the issue day, ") +
                       day_text(issued));
    if (issued < 0 || expiry > 65535)
        throw CliError(tr("dates hors de la plage du pass (2020-01-01 .. 2199)", "dates outside the pass range (2020-01-01 .. 2199)"));
    return {issued, expiry};
}

void sign_checked(Pass& pass, const SigningKey& key) {
    sign_pass(pass, key);
    if (!verify_typed(kPassPayloadType, pass.signed_bytes(), pass.signature, key.public_key()))
        throw CliError(tr("la signature produite ne se vérifie pas ; rien n'a été émis", "the signature made does not verify; nothing was issued"));
}

std::optional<ScannedPass> read_scanned_pass(std::string_view text, const std::vector<PublicKey>& keys) {
    const auto scanned = normalise_scanned_text(text);
    if (!scanned) return std::nullopt;
    std::optional<ScannedPass> first;
    for (const std::string& reading : scanned->readings) {
        const auto bytes = decode_text(reading);
        auto pass = bytes ? decode_binary(*bytes) : std::unexpected(bytes.error());
        if (!pass) continue;
        const Bytes signed_part = pass->signed_bytes();
        const bool verified = std::any_of(keys.begin(), keys.end(), [&](const PublicKey& key) {
            return verify_typed(kPassPayloadType, signed_part, pass->signature, key);
        });
        if (verified) return ScannedPass{std::move(*pass), true};
        if (!first) first = ScannedPass{std::move(*pass), false};
    }
    return first;
}

}  // namespace passkoop::cli
