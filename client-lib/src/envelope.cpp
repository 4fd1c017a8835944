#include <passkoop/envelope.hpp>
#include <passkoop/i18n.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace passkoop {

using nlohmann::json;

void Envelope::sign(const SigningKey& key) {
    const std::string id = key.id();
    std::erase_if(signatures, [&](const EnvelopeSignature& s) { return s.keyid == id; });
    signatures.push_back({id, key.sign_typed(payload_type, as_bytes(payload))});
}

std::size_t Envelope::count_valid_signers(const std::vector<PublicKey>& keys) const {
    std::set<PublicKey> signers;
    for (const PublicKey& key : keys) {
        if (signers.contains(key)) continue;
        const std::string id = key_id(key);
        for (const EnvelopeSignature& s : signatures) {
            if (s.keyid == id && verify_typed(payload_type, as_bytes(payload), s.sig, key)) {
                signers.insert(key);
                break;
            }
        }
    }
    return signers.size();
}

std::expected<Envelope, std::string> envelope_from_json(const json& j) {
    auto fail = [](const char* fr, const char* en) { return std::unexpected(std::string(tr(fr, en))); };
    if (!j.is_object()) return fail("l'enveloppe n'est pas un objet JSON", "the envelope is not a JSON object");
    for (const auto& [name, value] : j.items())
        if (name != "payloadType" && name != "payload" && name != "signatures")
            return std::unexpected(tr("champ inconnu dans l'enveloppe : ", "unknown envelope field: ") + name);
    const auto type = j.find("payloadType");
    const auto payload = j.find("payload");
    const auto sigs = j.find("signatures");
    if (type == j.end() || !type->is_string()) return fail("payloadType manquant", "missing payloadType");
    if (payload == j.end() || !payload->is_string()) return fail("payload manquant", "missing payload");
    if (sigs == j.end() || !sigs->is_array()) return fail("signatures manquantes", "missing signatures");
    if (sigs->size() > kMaxSignaturesPerEnvelope)
        return fail("trop de signatures (64 au plus)", "too many signatures (64 at most)");

    Envelope env;
    env.payload_type = type->get<std::string>();
    const auto bytes = from_base64(payload->get_ref<const std::string&>());
    if (!bytes) return fail("payload n'est pas du base64 valide", "payload is not valid base64");
    env.payload.assign(bytes->begin(), bytes->end());
    for (std::size_t i = 0; i < sigs->size(); ++i) {
        const json& s = (*sigs)[i];
        const std::string where = "signatures[" + std::to_string(i) + "]";
        if (!s.is_object() || !s.contains("keyid") || !s.contains("sig") || !s["keyid"].is_string() ||
            !s["sig"].is_string())
            return std::unexpected(where + tr(" : keyid et sig attendus", ": keyid and sig expected"));
        const std::string& id = s["keyid"].get_ref<const std::string&>();
        const bool hex16 = id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
                               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                           });
        if (!hex16) return std::unexpected(where + tr(" : keyid doit faire 16 caractères hexadécimaux minuscules",
                                                      ": keyid must be 16 lowercase hex characters"));
        const auto sig = from_base64_exact<64>(s["sig"].get_ref<const std::string&>());
        if (!sig) return std::unexpected(where + tr(" : sig doit être 64 octets en base64", ": sig must be 64 bytes of base64"));
        env.signatures.push_back({id, *sig});
    }
    return env;
}

json envelope_to_json(const Envelope& env) {
    json sigs = json::array();
    for (const auto& s : env.signatures) sigs.push_back({{"keyid", s.keyid}, {"sig", to_base64(s.sig)}});
    return {{"payloadType", env.payload_type}, {"payload", to_base64(as_bytes(env.payload))}, {"signatures", sigs}};
}

std::expected<void, std::string> merge_signatures(Envelope& into, const Envelope& other) {
    if (into.payload_type != other.payload_type || into.payload != other.payload)
        return std::unexpected(std::string(tr("les deux fichiers ne signent pas le même contenu",
                                              "the two files do not sign the same content")));
    for (const auto& s : other.signatures) {
        const bool known = std::any_of(into.signatures.begin(), into.signatures.end(),
                                       [&](const EnvelopeSignature& t) { return t.keyid == s.keyid && t.sig == s.sig; });
        if (!known) into.signatures.push_back(s);
    }
    if (into.signatures.size() > kMaxSignaturesPerEnvelope)
        return std::unexpected(std::string(tr("trop de signatures (64 au plus)", "too many signatures (64 at most)")));
    return {};
}

}  // namespace passkoop
