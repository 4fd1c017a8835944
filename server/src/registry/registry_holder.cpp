#include "registry/registry_holder.hpp"

#include "store/state.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace passkoop::server {

namespace {

// The trust state (DESIGN §5: the registry accepted last and each coop's revocation list in
// force), so that a restart forgets neither. Databases of older versions kept only the registry.
constexpr std::string_view kTrustStateKey = "trust_state";
constexpr std::string_view kOlderTrustedRegistryKey = "trusted_registry";

std::string read_limited(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error(path.string() + tr(" : lecture impossible : ", ": cannot read: ") + ec.message());
    if (size > kMaxBundleBytes) throw std::runtime_error(path.string() + tr(" : plus de 16 Mio", ": over 16 MiB"));
    // One allocation of the expected size (a multi-megabyte bundle through a stringstream costs
    // about three times its size at the peak); anything appended since file_size() still comes.
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    if (in && in.peek() != std::char_traits<char>::eof()) {
        std::stringstream rest;
        rest << in.rdbuf();
        bytes += rest.str();
    }
    return bytes;
}

// True when the file holds exactly `bytes`, compared in 64 KiB pieces: the periodic check of an
// unchanged bundle then allocates nothing large. (A full copy of a 7 MB bundle every few seconds,
// freed on whichever worker ran the check, left megabytes in each malloc arena: RSS grew from
// 27 MB to 238 MB in about a minute of idling.)
bool file_holds(const std::filesystem::path& path, std::string_view bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size != bytes.size()) return false;
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buffer(64 * 1024);
    for (std::size_t offset = 0; offset < bytes.size();) {
        const std::size_t want = std::min(buffer.size(), bytes.size() - offset);
        if (!in.read(buffer.data(), static_cast<std::streamsize>(want))) return false;
        if (std::memcmp(buffer.data(), bytes.data() + offset, want) != 0) return false;
        offset += want;
    }
    return in.peek() == std::char_traits<char>::eof();
}

TrustState state_from(const std::string& text, const std::string& origin) {
    auto state = read_trust_state(text);
    if (!state) throw std::runtime_error(origin + " : " + state.error().detail);
    return std::move(*state);
}

}  // namespace

RegistryHolder::RegistryHolder(std::filesystem::path bundle_file, std::optional<std::filesystem::path> pin, StateStore& state)
    : file_(std::move(bundle_file)), state_(state) {
    if (const auto stored = state_.get(kTrustStateKey)) initial_state_ = state_from(*stored, "ledger meta trust_state");
    else if (const auto older = state_.get(kOlderTrustedRegistryKey)) initial_state_ = state_from(*older, "ledger meta trusted_registry");
    else if (pin) initial_state_ = state_from(read_limited(*pin), pin->string());
    const ReloadResult first = accept(read_limited(file_));
    if (first.outcome == Reload::refused) throw std::runtime_error(file_.string() + " : " + first.detail);
}

RegistryHolder::ReloadResult RegistryHolder::reload_file() {
    if (const auto now = current(); now && file_holds(file_, now->bytes)) return {Reload::unchanged, {}};
    std::string bytes;
    try {
        bytes = read_limited(file_);
    } catch (const std::exception& e) {
        return {Reload::refused, e.what()};
    }
    return accept(std::move(bytes));
}

RegistryHolder::ReloadResult RegistryHolder::offer(std::string bytes) { return accept(std::move(bytes)); }

RegistryHolder::ReloadResult RegistryHolder::accept(std::string bytes) {
    std::lock_guard lock(reload_mutex_);
    const auto now = current();
    if (now && now->bytes == bytes) return {Reload::unchanged, {}};
    // A new bundle must follow the one in use (or the initial state): never an older registry,
    // never a different content under the same version, never fewer revocations.
    std::optional<TrustState> state = now ? std::optional(now->bundle.state()) : initial_state_;
    auto loaded = state ? load_bundle(bytes, *state) : load_bundle(bytes, nullptr);
    if (!loaded) return {Reload::refused, std::string(to_string(loaded.error().failure)) + " : " + loaded.error().detail};

    auto next = std::make_shared<LoadedRegistry>();
    const Hash256 digest = blake2b256(as_bytes(bytes));
    next->etag = "\"" + to_hex(ByteView(digest.data(), 16)) + "\"";
    next->bundle = std::move(*loaded);
    next->bytes = std::move(bytes);
    next->loaded_at = unix_now();
    state_.set(kTrustStateKey, trust_state_text(next->bundle));
    std::string detail = "version " + std::to_string(next->bundle.registry.version);
    for (const auto& w : next->bundle.warnings) detail += "\n  " + w;
    std::atomic_store(&current_, std::shared_ptr<const LoadedRegistry>(std::move(next)));
    return {Reload::updated, detail};
}

}  // namespace passkoop::server
