// Plumbing shared by the passkoop subcommands: files, passphrases and
// terminal-safe printing. Errors are thrown as CliError and turned into exit codes by main.
#pragma once

#include <cmdline.hpp>

#include <passkoop/bytes.hpp>
#include <passkoop/envelope.hpp>
#include <passkoop/files.hpp>
#include <passkoop/text.hpp>  // printable(): untrusted text on its way to the terminal
#include <passkoop/keyfile.hpp>
#include <passkoop/pass.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace passkoop::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // the answer is "no": a pass or a registry does not verify
inline constexpr int kExitUsage = 2;    // bad usage, unreadable or malformed file

// A usage or environment error; `what()` is shown to the user as is.
using CliError = cmdline::UsageError;
using cmdline::Args;
using cmdline::Help;

// Reads a whole file, refusing files larger than `limit` bytes.
std::string read_file(const std::filesystem::path& path, std::size_t limit);
// passkoop::write_file_atomic (the file whole or not at all), with a CliError naming the file.
void write_file_atomic(const std::filesystem::path& path, const std::string& content, const WriteOptions& options = {});

Envelope read_envelope_file(const std::filesystem::path& path);
void write_envelope_file(const std::filesystem::path& path, const Envelope& envelope);

// The passphrase from PASSKOOP_PASSPHRASE, else asked on the terminal without echo.
Passphrase ask_passphrase(const std::string& prompt, bool confirm);
// Opens a secret key file, asking for its passphrase only if it is encrypted.
SigningKey open_key_file(const std::filesystem::path& path);
// A public key given as base64 (--public-key) or taken from a key file (--key-file).
PublicKey public_key_argument(const Args& args);

// The issue and expiry days of new passes from --issued, --days and --until: from today, one
// year (364 days after the issue day) unless told otherwise. Throws CliError when out of range.
struct IssueDays {
    std::int64_t issued = 0, expiry = 0;
};
IssueDays issue_days(const Args& args);
// Signs `pass` and checks the signature with the public key, as a verifier will, before anything
// is handed out. Thread-safe (the key is only read).
void sign_checked(Pass& pass, const SigningKey& key);

// A pass read from a scanned text as the library's verifier reads it (DESIGN §3): of the readings
// of an ambiguous, keyboard-mangled text, the first whose signature verifies with one of `keys`;
// when none does, the first reading that decodes, with `verified` false. Nullopt when no reading
// decodes.
struct ScannedPass {
    Pass pass;
    bool verified = false;
};
[[nodiscard]] std::optional<ScannedPass> read_scanned_pass(std::string_view text, const std::vector<PublicKey>& keys);

}  // namespace passkoop::cli
