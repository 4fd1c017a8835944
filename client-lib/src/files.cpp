#include <passkoop/files.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

namespace passkoop {

namespace fs = std::filesystem;

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// A new file beside `path`; the process id and a counter keep two writers off each other's name,
// and a name left by a crashed process is skipped.
int create_temporary(const fs::path& path, fs::perms mode, fs::path& tmp) {
    static std::atomic<unsigned> counter{0};
    const std::string stem = path.string() + ".tmp-" + std::to_string(::getpid()) + "-";
    for (int attempt = 0; attempt < 100; ++attempt) {
        tmp = stem + std::to_string(counter++);
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Some file systems refuse to sync a directory; the file is in place either way, so that is no
// failure of the write.
void sync_directory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::error_code write_file_atomic(const fs::path& path, std::string_view bytes, const WriteOptions& options) {
    fs::path tmp;
    const int fd = create_temporary(path, options.mode, tmp);
    if (fd < 0) return last_error();
    std::error_code error;
    if (!write_all(fd, bytes) || (options.durable && ::fsync(fd) != 0)) error = last_error();
    if (::close(fd) != 0 && !error) error = last_error();
    const bool link = options.existing == ExistingFile::refuse;
    if (!error && (link ? ::link(tmp.c_str(), path.c_str()) : ::rename(tmp.c_str(), path.c_str())) != 0) error = last_error();
    // After a failure the temporary file holds all that was written; after link() it is a second name.
    if (error || link) ::unlink(tmp.c_str());
    if (!error && options.durable) sync_directory(path.has_parent_path() ? path.parent_path() : fs::path("."));
    return error;
}

}  // namespace passkoop
