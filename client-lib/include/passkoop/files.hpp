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

// Writes `bytes` to `path` through a new temporary file beside it (created with `mode` less the
// umask, as open(2) creates files), synced to disk, then moved into place; the directory is then
// synced so that the move survives a crash too. With ExistingFile::refuse the move is a link(2),
// which refuses to replace a file even one that another writer makes in the meantime.
// Returns a zero error code on success, else the error of the step that failed; on failure the
// temporary file is removed and `path` is as it was. Thread-safe; the parent directory must exist.
[[nodiscard]] std::error_code write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                                                std::filesystem::perms mode = std::filesystem::perms(0666),
                                                ExistingFile existing = ExistingFile::replace);

}  // namespace passkoop
