#include <passkoop/bundle.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>

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

}  // namespace

bool is_revoked(const RevokedPasses& revoked, std::uint16_t coop, std::uint64_t pass_id) {
    const auto [first, last] = revoked.equal_range(pass_id);
    return std::any_of(first, last, [coop](const auto& entry) { return entry.second == coop; });
}

std::expected<Envelope, TrustError> parse_envelope_text(std::string_view bytes) {
    if (bytes.size() > kMaxBundleBytes)
        return fail(TrustFailure::too_large, tr("fichier de plus de 16 Mio", "file over 16 MiB"));
    const auto doc = parse_json_bounded(bytes);
    if (!doc) return fail(TrustFailure::malformed, json_problem_text(doc.error()));
    auto env = envelope_from_json(*doc);
    if (!env) return fail(TrustFailure::malformed, env.error());
    return std::move(*env);
}

namespace {

using RevocationCandidates = std::map<std::uint16_t, std::pair<RevocationList, Envelope>>;

// Chooses at most one revocation list per coop among the bundle's, verifying as few signatures as
// possible: the count of lists and of signatures per list is checked first, and a list whose
// signers all belong to coops that already have one is dropped before any verification.
class RevocationSelector {
public:
    explicit RevocationSelector(TrustedBundle& bundle) : bundle_(bundle) {
        for (const Coop& c : bundle.registry.coops)
            for (const CoopKey& k : c.keys)
                if (k.status != KeyStatus::compromised)
                    coop_keys_.emplace(key_id(k.public_key), std::make_pair(c.number, &k.public_key));
        // An admin threshold, plus the coop's own key.
        max_signatures_ = static_cast<std::size_t>(bundle.registry.admins.threshold) + 1;
    }

    RevocationCandidates select(const json& documents) {
        const std::size_t considered = std::min(documents.size(), bundle_.registry.coops.size());
        if (documents.size() > considered)
            bundle_.warnings.push_back(std::to_string(documents.size() - considered) +
                                       tr(" liste(s) de révocations ignorée(s) : plus de listes que de coops",
                                          " revocation list(s) ignored: more lists than coops"));
        for (std::size_t i = 0; i < considered; ++i) consider(documents[i], "revocations[" + std::to_string(i) + "]");
        return std::move(chosen_);
    }

private:
    void consider(const json& document, const std::string& label) {
        auto warn = [&](const std::string& why) { bundle_.warnings.push_back(label + tr(" ignorée : ", " ignored: ") + why); };
        auto env = envelope_from_json(document);
        if (!env) return warn(env.error());
        if (const auto why = refused_before_verifying(*env)) return warn(*why);
        const std::set<std::uint16_t> signer_coops = coops_with_valid_signature(*env);
        std::optional<bool> admin_threshold;
        auto by_admins = [&] {
            if (!admin_threshold) admin_threshold = count_threshold(*env, bundle_.registry.admins).met();
            return *admin_threshold;
        };
        if (signer_coops.empty() && !by_admins())
            return warn(tr("aucune signature valide d'une clé de coop ni seuil d'admins",
                           "no valid signature by a coop key nor an admin threshold"));
        auto list = parse_revocations_payload(env->payload);
        if (!list) return warn(list.error());
        if (!signer_coops.contains(list->coop) && !by_admins())
            return warn(tr("signée par la clé d'une autre coop (", "signed by another coop's key (") +
                        std::to_string(*signer_coops.begin()) + tr(") que celle qu'elle révoque (", ") than the one it revokes (") +
                        std::to_string(list->coop) + ")");
        if (bundle_.registry.find_coop(list->coop) == nullptr)
            return warn(tr("coop inconnue ", "unknown coop ") + std::to_string(list->coop));
        if (chosen_.contains(list->coop))
            return warn(tr("une liste de cette coop a déjà été retenue", "a list of this coop was already taken"));
        const std::uint16_t coop = list->coop;
        chosen_.emplace(coop, std::make_pair(std::move(*list), std::move(*env)));
    }

    // Why the list is dropped before any signature is verified: its type, its signature count, or
    // its key ids, when they name only coops that already have a list.
    std::optional<std::string> refused_before_verifying(const Envelope& env) const {
        if (env.payload_type != kRevocationsPayloadType) return tr("type de document inattendu", "unexpected document type");
        if (env.signatures.size() > max_signatures_)
            return tr("trop de signatures (", "too many signatures (") + std::to_string(max_signatures_) +
                   tr(" au plus)", " at most)");
        std::set<std::uint16_t> claimed;
        bool names_other_keys = false;
        for (const auto& sig : env.signatures) {
            const auto [first, last] = coop_keys_.equal_range(sig.keyid);
            if (first == last) names_other_keys = true;
            for (auto it = first; it != last; ++it) claimed.insert(it->second.first);
        }
        const bool all_chosen = std::all_of(claimed.begin(), claimed.end(), [&](std::uint16_t c) { return chosen_.contains(c); });
        if (!claimed.empty() && !names_other_keys && all_chosen)
            return tr("une liste de cette coop a déjà été retenue", "a list of this coop was already taken");
        return std::nullopt;
    }

    // Every coop without a list yet that has a valid signature, each key tried once: the first
    // coop found may be another coop's, so the list's own coop is looked for among all of them
    // once the payload names it.
    std::set<std::uint16_t> coops_with_valid_signature(const Envelope& env) const {
        std::set<std::uint16_t> signer_coops;
        std::set<std::string> tried;
        for (const auto& sig : env.signatures) {
            if (!tried.insert(sig.keyid).second) continue;
            const auto [first, last] = coop_keys_.equal_range(sig.keyid);
            for (auto it = first; it != last; ++it)
                if (!chosen_.contains(it->second.first) && !signer_coops.contains(it->second.first) &&
                    verify_typed(env.payload_type, as_bytes(env.payload), sig.sig, *it->second.second))
                    signer_coops.insert(it->second.first);
        }
        return signer_coops;
    }

    TrustedBundle& bundle_;
    std::unordered_multimap<std::string, std::pair<std::uint16_t, const PublicKey*>> coop_keys_;
    std::size_t max_signatures_ = 1;
    RevocationCandidates chosen_;
};

// DESIGN §5: a coop's revocations never go below the list already accepted.
void keep_pinned_lists(TrustedBundle& bundle, RevocationCandidates& lists, const RevocationPins& pins) {
    for (const auto& [coop, pin] : pins) {
        if (bundle.registry.find_coop(coop) == nullptr) continue;  // the coop left the registry
        const auto offered = lists.find(coop);
        std::string why;
        if (offered == lists.end())
            why = tr("absente du bundle", "missing from the bundle");
        else if (offered->second.first.sequence < pin.sequence)
            why = tr("séquence ", "sequence ") + std::to_string(offered->second.first.sequence) + tr(" plus ancienne", " is older");
        else if (offered->second.first.sequence == pin.sequence && offered->second.second.payload != pin.envelope.payload)
            why = tr("autre contenu sous la même séquence", "other content under the same sequence");
        else
            continue;
        auto pinned = parse_revocations_payload(pin.envelope.payload);
        if (!pinned || pinned->coop != coop) continue;
        bundle.warnings.push_back(tr("révocations de la coop ", "revocations of coop ") + std::to_string(coop) + " : " + why +
                                  tr(" ; la séquence déjà acceptée ", "; the sequence already accepted ") +
                                  std::to_string(pin.sequence) + tr(" est conservée", " is kept"));
        bundle.revocations_held_back.push_back(coop);
        lists.insert_or_assign(coop, std::make_pair(std::move(*pinned), pin.envelope));
    }
}

void index_revocations(TrustedBundle& bundle, RevocationCandidates& lists) {
    std::size_t total = 0;
    for (const auto& [coop, list] : lists) total += list.first.entries.size();
    bundle.revoked.reserve(total);
    for (auto& [coop, chosen] : lists) {
        auto& [list, envelope] = chosen;
        bundle.revocation_sequences[coop] = list.sequence;
        // Each id is kept with the coop whose list names it: a list only revokes that coop's passes.
        for (const auto& e : list.entries)
            if (!is_revoked(bundle.revoked, coop, e.pass_id)) bundle.revoked.emplace(e.pass_id, coop);
        bundle.revocation_lists[coop] = {list.sequence, std::move(envelope)};
    }
}

// A bundle document's parts, read strictly: the registry envelope, the admin history, and the
// revocation documents, which are only counted here (each is checked on its own, later).
struct BundleParts {
    Envelope registry;
    std::vector<Envelope> admin_history;
    const json* revocations = nullptr;  // an array inside the document
};

std::expected<BundleParts, TrustError> read_bundle_parts(const json& doc) {
    if (!doc.is_object()) return fail(TrustFailure::malformed, tr("JSON invalide", "invalid JSON"));
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

    BundleParts parts;
    auto reg_env = envelope_from_json(*reg_json);
    if (!reg_env) return fail(TrustFailure::malformed, "registry : " + reg_env.error());
    parts.registry = std::move(*reg_env);
    for (std::size_t i = 0; i < history_json->size(); ++i) {
        auto env = envelope_from_json((*history_json)[i]);
        if (!env) return fail(TrustFailure::malformed, "admin_history[" + std::to_string(i) + "] : " + env.error());
        parts.admin_history.push_back(std::move(*env));
    }
    parts.revocations = &*revocations_json;
    return parts;
}

// DESIGN §5 in order: the bundle's structure, the registry's trust, then each coop's revocation
// list, never below the one already accepted.
std::expected<TrustedBundle, TrustError> load_bundle_document(const json& doc, const TrustAnchor* anchor,
                                                              const RevocationPins* pins) {
    auto parts = read_bundle_parts(doc);
    if (!parts) return std::unexpected(parts.error());
    auto reg = accept_registry(parts->registry, parts->admin_history, anchor);
    if (!reg) return std::unexpected(reg.error());

    TrustedBundle bundle;
    bundle.registry = std::move(*reg);
    bundle.registry_hash = parts->registry.payload_hash();
    bundle.registry_envelope = std::move(parts->registry);
    RevocationCandidates lists = RevocationSelector(bundle).select(*parts->revocations);
    if (pins != nullptr) keep_pinned_lists(bundle, lists, *pins);
    index_revocations(bundle, lists);
    return bundle;
}

std::expected<json, TrustError> parse_bundle_json(std::string_view bytes) {
    if (bytes.size() > kMaxBundleBytes)
        return fail(TrustFailure::too_large, tr("bundle de plus de 16 Mio", "bundle over 16 MiB"));
    auto parsed = parse_json_bounded(bytes);
    if (!parsed) return fail(TrustFailure::malformed, json_problem_text(parsed.error()));
    return std::move(*parsed);
}

}  // namespace

std::expected<TrustedBundle, TrustError> load_bundle(std::string_view bytes, const TrustAnchor* anchor,
                                                     const RevocationPins* pins) {
    const auto doc = parse_bundle_json(bytes);
    if (!doc) return std::unexpected(doc.error());
    return load_bundle_document(*doc, anchor, pins);
}

std::expected<TrustedBundle, TrustError> load_bundle(std::string_view bytes, const TrustState& state) {
    return load_bundle(bytes, &state.anchor, &state.revocations);
}

std::string trust_state_text(const TrustedBundle& bundle) {
    std::vector<Envelope> lists;
    for (const auto& [coop, pinned] : bundle.revocation_lists) lists.push_back(pinned.envelope);
    return bundle_to_string(bundle.registry_envelope, {}, lists);
}

std::expected<TrustState, TrustError> read_trust_state(std::string_view bytes) {
    const auto doc = parse_bundle_json(bytes);
    if (!doc) return std::unexpected(doc.error());
    if (doc->is_object() && doc->contains("type")) {
        auto bundle = load_bundle_document(*doc, nullptr, nullptr);
        if (!bundle) return std::unexpected(bundle.error());
        return bundle->state();
    }
    auto env = envelope_from_json(*doc);
    if (!env) return fail(TrustFailure::malformed, env.error());
    auto reg = accept_registry(*env, {}, nullptr);
    if (!reg) return std::unexpected(reg.error());
    return TrustState{TrustAnchor{std::move(*reg), env->payload_hash()}, {}};
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
