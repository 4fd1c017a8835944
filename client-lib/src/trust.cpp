#include <passkoop/i18n.hpp>
#include <passkoop/trust.hpp>

#include <algorithm>
#include <utility>

namespace passkoop {

namespace {

using Check = std::expected<void, TrustError>;

std::unexpected<TrustError> fail(TrustFailure failure, std::string detail) {
    return std::unexpected(TrustError{failure, std::move(detail)});
}

std::string version_label(std::int64_t version) { return tr("version ", "version ") + std::to_string(version); }

std::string count_label(const ThresholdCount& c) {
    return std::to_string(c.valid) +
           tr(" signature(s) valide(s) distincte(s) sur ", " valid distinct signature(s) of ") +
           std::to_string(c.needed) + tr(" requise(s)", " needed");
}

Check signed_by_own_admins(const Envelope& candidate, const Registry& reg) {
    const ThresholdCount own = count_threshold(candidate, reg.admins);
    if (!own.met()) return fail(TrustFailure::not_enough_signatures, version_label(reg.version) + " : " + count_label(own));
    return {};
}

// For a candidate no newer than the anchor: the anchor itself again, else a rollback or a conflict.
Check same_as_anchor(const Envelope& candidate, const Registry& reg, const TrustAnchor& anchor) {
    const std::int64_t trusted_version = anchor.registry.version;
    if (reg.version < trusted_version)
        return fail(TrustFailure::rollback, version_label(reg.version) +
                                                tr(" est plus ancienne que la version déjà acceptée ",
                                                   " is older than the version already accepted ") +
                                                std::to_string(trusted_version));
    if (!equal_constant_time(candidate.payload_hash(), anchor.payload_hash))
        return fail(TrustFailure::version_conflict,
                    tr("ALERTE : deux contenus différents portent la ", "ALERT: two different contents carry ") +
                        version_label(reg.version));
    return {};
}

using AdminChain = std::vector<std::pair<const Envelope*, Registry>>;

// The admin-history envelopes of versions strictly between the anchor and the candidate, in
// version order; two of one version break the chain.
std::expected<AdminChain, TrustError> admin_changes_between(const std::vector<Envelope>& admin_history,
                                                           std::int64_t trusted_version, std::int64_t candidate_version) {
    AdminChain links;
    for (const Envelope& env : admin_history) {
        auto link = read_registry_envelope(env);
        if (!link)
            return fail(TrustFailure::broken_admin_chain, tr("historique des admins : ", "admin history: ") + link.error().detail);
        if (link->version > trusted_version && link->version < candidate_version) links.emplace_back(&env, std::move(*link));
    }
    std::sort(links.begin(), links.end(), [](const auto& a, const auto& b) { return a.second.version < b.second.version; });
    for (std::size_t i = 1; i < links.size(); ++i)
        if (links[i].second.version == links[i - 1].second.version)
            return fail(TrustFailure::broken_admin_chain,
                        tr("historique des admins : deux documents pour la ", "admin history: two documents for ") +
                            version_label(links[i].second.version));
    return links;
}

// One link of the chain: signed by a threshold of its own admins and, when it changes them, by a
// threshold of the admins trusted before it. `trusted` becomes its admin set.
Check admin_link(const Envelope& env, const Registry& next, AdminSet& trusted) {
    const ThresholdCount self = count_threshold(env, next.admins);
    if (!self.met()) return fail(TrustFailure::broken_admin_chain, version_label(next.version) + " : " + count_label(self));
    if (!next.admins.same_trust_as(trusted)) {
        const ThresholdCount before = count_threshold(env, trusted);
        if (!before.met())
            return fail(TrustFailure::broken_admin_chain,
                        version_label(next.version) +
                            tr(" change les admins sans le seuil des admins précédents (maillon manquant ?) : ",
                               " changes the admins without the previous admins' threshold (missing link?): ") +
                            count_label(before));
    }
    trusted = next.admins;
    return {};
}

// The candidate directly after the anchor names the anchor's payload as `previous`.
Check follows_anchor(const Registry& reg, const TrustAnchor& anchor) {
    const std::int64_t trusted_version = anchor.registry.version;
    if (reg.version == trusted_version + 1 && !equal_constant_time(*reg.previous, anchor.payload_hash))
        return fail(TrustFailure::previous_mismatch,
                    version_label(reg.version) + tr(" ne suit pas la version acceptée ", " does not follow the accepted version ") +
                        std::to_string(trusted_version));
    return {};
}

}  // namespace

std::string_view to_string(TrustFailure failure) {
    switch (failure) {
        case TrustFailure::too_large: return "too_large";
        case TrustFailure::malformed: return "malformed";
        case TrustFailure::wrong_payload_type: return "wrong_payload_type";
        case TrustFailure::bad_payload: return "bad_payload";
        case TrustFailure::not_enough_signatures: return "not_enough_signatures";
        case TrustFailure::broken_admin_chain: return "broken_admin_chain";
        case TrustFailure::rollback: return "rollback";
        case TrustFailure::version_conflict: return "version_conflict";
        case TrustFailure::previous_mismatch: return "previous_mismatch";
    }
    return "malformed";
}

ThresholdCount count_threshold(const Envelope& envelope, const AdminSet& admins) {
    return {envelope.count_valid_signers(admins.public_keys()), admins.threshold};
}

std::expected<Registry, TrustError> read_registry_envelope(const Envelope& envelope) {
    if (envelope.payload_type != kRegistryPayloadType)
        return fail(TrustFailure::wrong_payload_type,
                    tr("type de document inattendu : ", "unexpected document type: ") + envelope.payload_type.substr(0, 80));
    auto reg = parse_registry_payload(envelope.payload);
    if (!reg) return fail(TrustFailure::bad_payload, reg.error());
    return std::move(*reg);
}

std::expected<Registry, TrustError> accept_registry(const Envelope& candidate, const std::vector<Envelope>& admin_history,
                                                    const TrustAnchor* anchor) {
    // Signatures are counted over the exact payload bytes; the payload is parsed only to learn
    // which admin set must have signed, and nothing from it is used before the count succeeds.
    auto reg = read_registry_envelope(candidate);
    if (!reg) return reg;
    if (auto ok = signed_by_own_admins(candidate, *reg); !ok) return std::unexpected(ok.error());
    if (anchor == nullptr) return reg;

    if (reg->version <= anchor->registry.version) {
        if (auto ok = same_as_anchor(candidate, *reg, *anchor); !ok) return std::unexpected(ok.error());
        return reg;
    }
    auto links = admin_changes_between(admin_history, anchor->registry.version, reg->version);
    if (!links) return std::unexpected(links.error());
    AdminSet trusted = anchor->registry.admins;
    for (const auto& [env, link] : *links)
        if (auto ok = admin_link(*env, link, trusted); !ok) return std::unexpected(ok.error());
    if (auto ok = admin_link(candidate, *reg, trusted); !ok) return std::unexpected(ok.error());
    if (auto ok = follows_anchor(*reg, *anchor); !ok) return std::unexpected(ok.error());
    return reg;
}

}  // namespace passkoop
