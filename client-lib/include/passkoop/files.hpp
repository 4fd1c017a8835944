// Files written whole or not at all: key files, registry documents, passes, secrets. A reader,
// a concurrent writer or a crash never sees half a file. POSIX.
#pragma once

#include <filesystem>
#include <string_view>
#include <system_error>

namespace passkoop {

enum class ExistingFile {
    replace,  // an existing file at the path is replaced
    refuse,   // an existing file is kept and the write fails with std::errc::file_exists
};

struct WriteOptions {
    // The new file's permissions, less the umask (as open(2) creates files).
    std::filesystem::perms mode = std::filesystem::perms(0666);
    ExistingFile existing = ExistingFile::replace;
    // The file is synced to disk before it is moved into place, and its directory after, so that
    // once the call returns a crash or a power cut leaves the new file. Each sync costs
    // milliseconds: files that are simply made again after a crash (a batch's card images) skip it.
    bool durable = true;
};

// Writes `bytes` to `path` through a new temporary file beside it, then moves it into place: a
// reader, a concurrent writer or a crash sees the old file or the new one, never a part. With
// ExistingFile::refuse the move is a link(2), which never replaces a file, not even one that
// another writer made in the meantime.
// Returns a zero error code on success, else the error of the step that failed; on failure the
// temporary file is removed and `path` is as it was. Thread-safe; the parent directory must exist.
[[nodiscard]] std::error_code write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                                                const WriteOptions& options = {});

}  // namespace passkoop
