#include "store/visitor_secret.hpp"

#include <passkoop/i18n.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace passkoop::server {

namespace {

// Writes a new secret to a temporary file, then links it into place: a crash never leaves a short
// secret behind, and link() never replaces a secret another process just made. False when the
// path was taken meanwhile (the caller reads that one).
bool create_secret(const std::filesystem::path& path, std::array<std::uint8_t, 32>& secret) {
    const std::string tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(tmp + ": cannot create the visitor-key secret");
    randombytes_buf(secret.data(), secret.size());
    bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    const bool linked = ok && ::link(tmp.c_str(), path.c_str()) == 0;
    ::unlink(tmp.c_str());
    if (!ok) throw std::runtime_error(path.string() + ": cannot write the visitor-key secret");
    if (!linked) return false;
    const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
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
