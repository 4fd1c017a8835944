#include <passkoop/bundle.hpp>
#include <passkoop/i18n.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

namespace passkoop {

using nlohmann::json;

namespace {

std::unexpected<TrustError> fail(TrustFailure failure, std::string detail) {
    return std::unexpected(TrustError{failure, std::move(detail)});
}

std::string version_label(std::int64_t version) { return tr("version ", "version ") + std::to_string(version); }

std::string count_label(const ThresholdCount& c) {
    return std::to_string(c.valid) +
           tr(" signature(s) valide(s) distincte(s) sur ", " valid distinct signature(s) of ") +
           std::to_string(c.needed) + tr(" requise(s)", " needed");
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

bool is_revoked(const RevokedPasses& revoked, std::uint16_t coop, std::uint64_t pass_id) {
    const auto [first, last] = revoked.equal_range(pass_id);
    return std::any_of(first, last, [coop](const auto& entry) { return entry.second == coop; });
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
    const ThresholdCount own = count_threshold(candidate, reg->admins);
    if (!own.met())
        return fail(TrustFailure::not_enough_signatures, version_label(reg->version) + " : " + count_label(own));
    if (anchor == nullptr) return reg;

    const Hash256 hash = candidate.payload_hash();
    const std::int64_t trusted_version = anchor->registry.version;
    if (reg->version < trusted_version)
        return fail(TrustFailure::rollback, version_label(reg->version) +
                                                tr(" est plus ancienne que la version déjà acceptée ",
                                                   " is older than the version already accepted ") +
                                                std::to_string(trusted_version));
    if (reg->version == trusted_version) {
        if (equal_constant_time(hash, anchor->payload_hash)) return reg;
        return fail(TrustFailure::version_conflict,
                    tr("ALERTE : deux contenus différents portent la ", "ALERT: two different contents carry ") +
                        version_label(reg->version));
    }

    // Every admin-set change between the trusted version and the candidate, in order.
    std::vector<std::pair<const Envelope*, Registry>> links;
    for (const Envelope& env : admin_history) {
        auto link = read_registry_envelope(env);
        if (!link)
            return fail(TrustFailure::broken_admin_chain, tr("historique des admins : ", "admin history: ") + link.error().detail);
        if (link->version > trusted_version && link->version < reg->version) links.emplace_back(&env, std::move(*link));
    }
    std::sort(links.begin(), links.end(), [](const auto& a, const auto& b) { return a.second.version < b.second.version; });
    for (std::size_t i = 1; i < links.size(); ++i)
        if (links[i].second.version == links[i - 1].second.version)
            return fail(TrustFailure::broken_admin_chain,
                        tr("historique des admins : deux documents pour la ", "admin history: two documents for ") +
                            version_label(links[i].second.version));

    AdminSet trusted = anchor->registry.admins;
    auto step = [&](const Envelope& env, const Registry& next) -> std::expected<void, TrustError> {
        const ThresholdCount self = count_threshold(env, next.admins);
        if (!self.met())
            return fail(TrustFailure::broken_admin_chain, version_label(next.version) + " : " + count_label(self));
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
    };
    for (const auto& [env, link] : links)
        if (auto ok = step(*env, link); !ok) return std::unexpected(ok.error());
    if (auto ok = step(candidate, *reg); !ok) return std::unexpected(ok.error());

    if (reg->version == trusted_version + 1 && !equal_constant_time(*reg->previous, anchor->payload_hash))
        return fail(TrustFailure::previous_mismatch,
                    version_label(reg->version) + tr(" ne suit pas la version acceptée ", " does not follow the accepted version ") +
                        std::to_string(trusted_version));
    return reg;
}

std::expected<Envelope, TrustError> parse_envelope_text(std::string_view bytes) {
    if (bytes.size() > kMaxBundleBytes)
        return fail(TrustFailure::too_large, tr("fichier de plus de 16 Mio", "file over 16 MiB"));
    const json doc = json::parse(bytes, nullptr, false);
    if (doc.is_discarded()) return fail(TrustFailure::malformed, tr("JSON invalide", "invalid JSON"));
    auto env = envelope_from_json(doc);
    if (!env) return fail(TrustFailure::malformed, env.error());
    return std::move(*env);
}

std::expected<TrustedBundle, TrustError> load_bundle(std::string_view bytes, const TrustAnchor* anchor) {
    if (bytes.size() > kMaxBundleBytes)
        return fail(TrustFailure::too_large, tr("bundle de plus de 16 Mio", "bundle over 16 MiB"));
    const json doc = json::parse(bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return fail(TrustFailure::malformed, tr("JSON invalide", "invalid JSON"));
    if (doc.value("type", json()) != "passkoop-bundle")
        return fail(TrustFailure::malformed, tr("type « passkoop-bundle » attendu", "type \"passkoop-bundle\" expected"));
    const auto reg_json = doc.find("registry");
    const auto history_json = doc.find("admin_history");
    const auto revocations_json = doc.find("revocations");
    if (reg_json == doc.end() || history_json == doc.end() || !history_json->is_array() ||
        revocations_json == doc.end() || !revocations_json->is_array())
        return fail(TrustFailure::malformed, tr("registry, admin_history et revocations attendus",
                                                "registry, admin_history and revocations expected"));
    if (history_json->size() > kMaxHistoryEnvelopes || revocations_json->size() > kMaxCoops)
        return fail(TrustFailure::too_large, tr("trop de documents dans le bundle", "too many documents in the bundle"));

    auto reg_env = envelope_from_json(*reg_json);
    if (!reg_env) return fail(TrustFailure::malformed, "registry : " + reg_env.error());
    std::vector<Envelope> history;
    for (std::size_t i = 0; i < history_json->size(); ++i) {
        auto env = envelope_from_json((*history_json)[i]);
        if (!env) return fail(TrustFailure::malformed, "admin_history[" + std::to_string(i) + "] : " + env.error());
        history.push_back(std::move(*env));
    }
    auto reg = accept_registry(*reg_env, history, anchor);
    if (!reg) return std::unexpected(reg.error());

    TrustedBundle bundle;
    bundle.registry = std::move(*reg);
    bundle.registry_hash = reg_env->payload_hash();
    bundle.registry_envelope = std::move(*reg_env);

    // Which coop each non-compromised coop key belongs to, by key id.
    std::unordered_multimap<std::string, std::pair<std::uint16_t, const PublicKey*>> coop_keys;
    for (const Coop& c : bundle.registry.coops)
        for (const CoopKey& k : c.keys)
            if (k.status != KeyStatus::compromised) coop_keys.emplace(key_id(k.public_key), std::make_pair(c.number, &k.public_key));

    std::map<std::uint16_t, RevocationList> lists;
    for (std::size_t i = 0; i < revocations_json->size(); ++i) {
        const std::string label = "revocations[" + std::to_string(i) + "]";
        auto warn = [&](const std::string& why) {
            bundle.warnings.push_back(label + tr(" ignorée : ", " ignored: ") + why);
        };
        auto env = envelope_from_json((*revocations_json)[i]);
        if (!env) {
            warn(env.error());
            continue;
        }
        if (env->payload_type != kRevocationsPayloadType) {
            warn(tr("type de document inattendu", "unexpected document type"));
            continue;
        }
        // Every coop with a valid signature: the first one found may be another coop's, so the
        // list's own coop must be looked for among all of them once the payload names it.
        std::set<std::uint16_t> signer_coops;
        for (const auto& s : env->signatures) {
            const auto [first, last] = coop_keys.equal_range(s.keyid);
            for (auto it = first; it != last; ++it)
                if (!signer_coops.contains(it->second.first) &&
                    verify_typed(env->payload_type, as_bytes(env->payload), s.sig, *it->second.second))
                    signer_coops.insert(it->second.first);
        }
        std::optional<bool> admin_threshold;
        auto by_admins = [&] {
            if (!admin_threshold) admin_threshold = count_threshold(*env, bundle.registry.admins).met();
            return *admin_threshold;
        };
        if (signer_coops.empty() && !by_admins()) {
            warn(tr("aucune signature valide d'une clé de coop ni seuil d'admins",
                    "no valid signature by a coop key nor an admin threshold"));
            continue;
        }
        auto list = parse_revocations_payload(env->payload);
        if (!list) {
            warn(list.error());
            continue;
        }
        if (!signer_coops.contains(list->coop) && !by_admins()) {
            warn(tr("signée par la clé d'une autre coop (", "signed by another coop's key (") +
                 std::to_string(*signer_coops.begin()) + tr(") que celle qu'elle révoque (", ") than the one it revokes (") +
                 std::to_string(list->coop) + ")");
            continue;
        }
        if (bundle.registry.find_coop(list->coop) == nullptr) {
            warn(tr("coop inconnue ", "unknown coop ") + std::to_string(list->coop));
            continue;
        }
        // Each list is the coop's complete current one: the highest sequence replaces the others.
        auto [it, inserted] = lists.try_emplace(list->coop, *list);
        if (!inserted) {
            if (list->sequence > it->second.sequence) it->second = std::move(*list);
            else warn(tr("séquence dépassée pour la coop ", "superseded sequence for coop ") + std::to_string(list->coop));
        }
    }
    std::size_t total = 0;
    for (const auto& [coop, list] : lists) total += list.entries.size();
    bundle.revoked.reserve(total);
    for (const auto& [coop, list] : lists) {
        bundle.revocation_sequences[coop] = list.sequence;
        // Each id is kept with the coop whose list names it: a list only revokes that coop's passes.
        for (const auto& e : list.entries)
            if (!is_revoked(bundle.revoked, coop, e.pass_id)) bundle.revoked.emplace(e.pass_id, coop);
    }
    return bundle;
}

std::string bundle_to_string(const Envelope& registry, const std::vector<Envelope>& admin_history,
                             const std::vector<Envelope>& revocations) {
    json history = json::array(), revs = json::array();
    for (const auto& e : admin_history) history.push_back(envelope_to_json(e));
    for (const auto& e : revocations) revs.push_back(envelope_to_json(e));
    const json doc = {{"type", "passkoop-bundle"}, {"registry", envelope_to_json(registry)},
                      {"admin_history", history}, {"revocations", revs}};
    return doc.dump(1) + "\n";
}

}  // namespace passkoop
