#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace passkoop {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, kResultCodeCount> kCodeNames = {
    "valid", "malformed", "truncated", "unsupported_version", "unknown_coop", "unknown_key", "key_compromised",
    "bad_signature", "key_not_valid", "not_yet_valid", "expired", "revoked", "registry_expired"};

ResultCode from_decode_error(DecodeError e) {
    switch (e) {
        case DecodeError::truncated: return ResultCode::truncated;
        case DecodeError::unsupported_version: return ResultCode::unsupported_version;
        case DecodeError::malformed: break;
    }
    return ResultCode::malformed;
}

// True once the pass's signature has been checked and found good.
bool signature_checked(ResultCode code) { return code >= ResultCode::key_not_valid || code == ResultCode::valid; }

// One strict "PK"+digits reading, checked in the order of DESIGN §6.
Verification verify_reading(std::string_view text, const TrustedBundle& bundle, std::int64_t now,
                            const VerifyOptions& options) {
    Verification v;
    v.today = day_of(now);
    v.registry_issued_at = bundle.registry.issued_at;
    auto bytes = decode_text(text);
    if (!bytes) {
        v.code = from_decode_error(bytes.error());
        return v;
    }
    auto pass = decode_binary(*bytes);
    if (!pass) {
        v.code = from_decode_error(pass.error());
        return v;
    }
    const ByteView signed_part(bytes->data(), bytes->size() - pass->signature.size());
    v.pass_id = pass_id(signed_part);
    v.pass = std::move(*pass);
    const Pass& p = *v.pass;

    v.coop = bundle.registry.find_coop(p.coop);
    if (v.coop == nullptr) return v.code = ResultCode::unknown_coop, v;
    const CoopKey* key = v.coop->find_key(p.key_number);
    if (key == nullptr) return v.code = ResultCode::unknown_key, v;
    if (key->status == KeyStatus::compromised) return v.code = ResultCode::key_compromised, v;
    if (!verify_typed(kPassPayloadType, signed_part, p.signature, key->public_key))
        return v.code = ResultCode::bad_signature, v;
    if (p.issued_day < key->not_before || p.issued_day > key->not_after) return v.code = ResultCode::key_not_valid, v;
    if (p.expiry_day > key->not_after + v.coop->policy.pass_days_limit()) return v.code = ResultCode::key_not_valid, v;
    // One day of tolerance for a till whose clock runs slightly behind the issuer's.
    if (v.today < static_cast<std::int64_t>(p.issued_day) - 1) return v.code = ResultCode::not_yet_valid, v;
    if (v.today > p.expiry_day) return v.code = ResultCode::expired, v;
    if (is_revoked(bundle.revoked, p.coop, pass_id_value(signed_part))) return v.code = ResultCode::revoked, v;
    const std::int64_t expires_at = bundle.registry.expires_at;
    if (now > expires_at + options.grace_days * kSecondsPerDay) return v.code = ResultCode::registry_expired, v;
    if (now > expires_at) v.warnings.push_back(Warning::registry_stale);
    v.code = ResultCode::valid;
    return v;
}

}  // namespace

std::string_view to_string(ResultCode code) { return kCodeNames[static_cast<std::size_t>(code)]; }

std::string_view to_string(Warning warning) {
    return warning == Warning::keyboard_layout_repaired ? "keyboard_layout_repaired" : "registry_stale";
}

std::optional<ResultCode> result_code_from_string(std::string_view text) {
    const auto it = std::find(kCodeNames.begin(), kCodeNames.end(), text);
    if (it == kCodeNames.end()) return std::nullopt;
    return static_cast<ResultCode>(it - kCodeNames.begin());
}

std::string message(ResultCode code) {
    switch (code) {
        case ResultCode::valid: return tr("Pass valide", "Valid pass");
        case ResultCode::malformed: return tr("Ce n'est pas un pass Pass'Koop lisible", "Not a readable Pass'Koop pass");
        case ResultCode::truncated: return tr("Lecture incomplète : scannez à nouveau", "Incomplete read: scan again");
        case ResultCode::unsupported_version:
            return tr("Version de pass inconnue : mettez à jour le logiciel", "Unknown pass version: update the software");
        case ResultCode::unknown_coop: return tr("Coopérative absente du registre", "Coop not in the registry");
        case ResultCode::unknown_key:
            return tr("Clé de signature inconnue pour cette coopérative", "Signing key unknown for this coop");
        case ResultCode::key_compromised:
            return tr("Clé de la coopérative compromise : pass refusé", "Coop key compromised: pass refused");
        case ResultCode::bad_signature:
            return tr("Signature invalide : pass falsifié ou abîmé", "Invalid signature: forged or damaged pass");
        case ResultCode::key_not_valid:
            return tr("Pass émis hors de la période de validité de la clé", "Pass issued outside its key's validity");
        case ResultCode::not_yet_valid: return tr("Pass pas encore valide", "Pass not valid yet");
        case ResultCode::expired: return tr("Pass expiré", "Pass expired");
        case ResultCode::revoked:
            return tr("Pass révoqué (carte perdue ou membre parti)", "Pass revoked (lost card or former member)");
        case ResultCode::registry_expired:
            return tr("Registre trop ancien : mettez à jour le registre", "Registry too old: update the registry");
    }
    return {};
}

std::string message(Warning warning, std::int64_t registry_issued_at) {
    if (warning == Warning::keyboard_layout_repaired)
        return tr("Lecteur réglé sur le mauvais clavier (AZERTY/QWERTY) : lecture corrigée, pensez à le régler",
                  "Scanner set to the wrong keyboard layout (AZERTY/QWERTY): read repaired, please fix its setting");
    std::string text = tr("Registre non mis à jour depuis le ", "Registry not updated since ");
    const std::int64_t day = day_of(registry_issued_at);
    return text + (language() == Lang::en ? format_day(day) : format_day_fr(day));
}

Verification verify_pass(std::string_view scanned_text, const TrustedBundle& bundle, std::int64_t clock,
                         const VerifyOptions& options) {
    const std::int64_t now = std::max(clock, bundle.registry.issued_at);
    auto scanned = normalise_scanned_text(scanned_text);
    if (!scanned) {
        Verification v;
        v.today = day_of(now);
        v.registry_issued_at = bundle.registry.issued_at;
        v.code = from_decode_error(scanned.error());
        return v;
    }
    // Ambiguous texts have several readings: keep the first whose signature verifies.
    std::optional<Verification> chosen;
    for (const std::string& reading : scanned->readings) {
        Verification v = verify_reading(reading, bundle, now, options);
        if (signature_checked(v.code)) {
            chosen = std::move(v);
            break;
        }
        if (!chosen) chosen = std::move(v);
    }
    if (scanned->repaired && chosen->pass)
        chosen->warnings.insert(chosen->warnings.begin(), Warning::keyboard_layout_repaired);
    return std::move(*chosen);
}

std::string verification_json_text(const Verification& v) {
    std::string out;
    out.reserve(400);
    auto key = [&out](std::string_view name) {
        out += out.size() == 1 ? "\"" : ",\"";
        out += name;
        out += "\":";
    };
    auto text = [&out](std::string_view value) { append_json_string(out, value); };
    auto text_or_null = [&out, &text](const std::string* value) { value ? text(*value) : void(out += "null"); };
    out += '{';
    key("code");
    text(to_string(v.code));
    key("coop");
    if (v.pass) {
        out += "{\"city\":";
        text_or_null(v.coop ? &v.coop->city : nullptr);
        out += ",\"name\":";
        text_or_null(v.coop ? &v.coop->name : nullptr);
        out += ",\"number\":" + std::to_string(v.pass->coop) + "}";
    } else {
        out += "null";
    }
    key("expiry");
    v.pass ? text(format_day(v.pass->expiry_day)) : void(out += "null");
    if (v.pass) {
        key("issued");
        text(format_day(v.pass->issued_day));
        key("kind");
        text(v.pass->kind == PassKind::tester ? "tester" : "member");
    }
    key("member");
    if (v.pass) {
        out += "{\"card_sequence\":" + std::to_string(v.pass->card_sequence) + ",\"name\":";
        text(v.pass->name);
        out += ",\"number\":" + std::to_string(v.pass->member) + "}";
    } else {
        out += "null";
    }
    key("message");
    text(message(v.code));
    key("pass_id");
    v.pass ? text(v.pass_id) : void(out += "null");
    key("valid");
    out += v.valid() ? "true" : "false";
    key("warning_messages");
    out += '[';
    for (std::size_t i = 0; i < v.warnings.size(); ++i) {
        if (i) out += ',';
        text(message(v.warnings[i], v.registry_issued_at));
    }
    out += ']';
    key("warnings");
    out += '[';
    for (std::size_t i = 0; i < v.warnings.size(); ++i) {
        if (i) out += ',';
        text(to_string(v.warnings[i]));
    }
    out += "]}";
    return out;
}

json verification_to_json(const Verification& v) { return json::parse(verification_json_text(v)); }

}  // namespace passkoop
