#include "store/state.hpp"

namespace passkoop::server {

std::optional<std::string> StateStore::get(std::string_view key) const {
    std::lock_guard lock(connection_.mutex);
    auto s = connection_.db.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void StateStore::set(std::string_view key, std::string_view value) {
    std::lock_guard lock(connection_.mutex);
    auto s = connection_.db.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value);
    s.step();
}

}  // namespace passkoop::server
