#include "store/visitor_secret.hpp"

#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>

#include <sodium.h>

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace passkoop::server {

namespace {

// Writes a new secret, never over one another process just made. False when the path was taken
// meanwhile (the caller reads that one).
bool create_secret(const std::filesystem::path& path, std::array<std::uint8_t, 32>& secret) {
    randombytes_buf(secret.data(), secret.size());
    const auto error = write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()),
                                         {.mode = std::filesystem::perms(0600), .existing = ExistingFile::refuse});
    if (error == std::errc::file_exists) return false;
    if (error) throw std::runtime_error(path.string() + ": cannot write the visitor-key secret: " + error.message());
    return true;
}

}  // namespace

std::array<std::uint8_t, 32> load_or_create_secret(const std::filesystem::path& path) {
    std::array<std::uint8_t, 32> secret{};
    if (!std::filesystem::exists(path) && create_secret(path, secret)) {
        std::cerr << tr("Secret des clés visiteurs créé : ", "Visitor-key secret created: ") << path << "\n";
        return secret;
    }
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(secret.data()), secret.size());
    if (in.gcount() != static_cast<std::streamsize>(secret.size()) || in.peek() != EOF)
        throw std::runtime_error(path.string() + tr(" : le secret doit faire exactement 32 octets", ": the secret must be exactly 32 bytes"));
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        std::cerr << tr("ATTENTION : ", "WARNING: ") << path << tr(" est lisible par d'autres comptes (chmod 600)", " is readable by other accounts (chmod 600)") << "\n";
    return secret;
}

}  // namespace passkoop::server
