// Small named values the server keeps with its database (the trust state of the registry, ...).
#pragma once

#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace passkoop::server {

class StateStore {
public:
    explicit StateStore(Connection& connection) : connection_(connection) {}

    [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
    void set(std::string_view key, std::string_view value);

private:
    Connection& connection_;
};

}  // namespace passkoop::server
