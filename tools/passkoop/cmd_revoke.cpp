// passkoop revoke: a coop's own signed list of revoked passes (lost cards, departed members).
#include "cli.hpp"
#include "commands.hpp"

#include <issuance_log.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>
#include <passkoop/revocations.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>

namespace passkoop::cli {

constexpr Help kRevokeHelp{
    "passkoop revoke --key FICHIER --coop N --list LISTE.json [--previous-key B64]... (--pass TEXTE)...\n"
    "passkoop revoke --key FICHIER --coop N --list LISTE.json --log DOSSIER/issuance-log.csv (--pass-id ID | --member N | --lost N)...\n"
    "Ajoute des passes à la liste de révocation signée de la coop (créée si elle n'existe pas).\n"
    "  --pass TEXTE       un pass signé par la clé de la coop\n"
    "  --pass-id ID       un pass du journal d'émission (--log)\n"
    "  --member N         toutes les cartes du membre N (membre parti) ; --lost N : sa carte actuelle (perdue)\n"
    "  --previous-key B64 une ancienne clé de la coop, qui a signé la liste ou les passes\n",
    "passkoop revoke --key FILE --coop N --list LIST.json [--previous-key B64]... (--pass TEXT)...\n"
    "passkoop revoke --key FILE --coop N --list LIST.json --log DIR/issuance-log.csv (--pass-id ID | --member N | --lost N)...\n"
    "Adds passes to the coop's signed revocation list (made if it does not exist).\n"
    "  --pass TEXT        a pass signed by the coop's key\n"
    "  --pass-id ID       a pass of the issuance log (--log)\n"
    "  --member N         every card of member N (a departed member); --lost N: their current card (lost)\n"
    "  --previous-key B64 a former key of the coop, which signed the list or the passes\n"};

int cmd_revoke(const Argv& argv) {
    const Args args(argv, {"key", "coop", "list", "pass", "pass-id", "log", "member", "lost", "previous-key"}, {});
    if (print_help_if_asked(args, kRevokeHelp, std::cout)) return kExitOk;
    const auto coop = static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535));
    const std::string path = args.require("list");
    const std::string key_path = args.require("key");
    const std::int64_t today = day_of(unix_now());

    // The keys this coop signs with: the one given, and former ones named with --previous-key
    // (after a key change, the list and older passes were signed by the old key). The key file's
    // public key is read now so that nothing is asked before the input is checked; opening the
    // key below authenticates it.
    const PublicKey own_key = key_file_public_key(key_path);
    std::vector<PublicKey> coop_keys = {own_key};
    for (const std::string& b64 : args.all("previous-key")) {
        const auto key = from_base64_exact<32>(b64);
        if (!key) throw CliError(tr("--previous-key : clé publique de 32 octets en base64 attendue (passkoop pubkey)",
                                    "--previous-key: public key of 32 bytes in base64 expected (passkoop pubkey)"));
        coop_keys.push_back(*key);
    }

    RevocationList list{coop, 0, 0, {}};
    if (std::filesystem::exists(path)) {
        const Envelope current = read_envelope_file(path);
        if (current.payload_type != kRevocationsPayloadType)
            throw CliError(path + tr(" : ce n'est pas une liste de révocations", ": not a revocation list"));
        // Re-signing a list nobody checked would launder it: entries someone removed from the
        // file would be un-revoked for good. The list must carry the coop's signature.
        if (current.count_valid_signers(coop_keys) == 0)
            throw CliError(path + tr(" : la liste existante n'est pas signée par cette clé de la coop (fichier modifié, ou signé par "
                                     "une autre clé) ; rien n'a été changé. Après un changement de clé, donnez l'ancienne clé "
                                     "publique avec --previous-key.",
                                     ": the existing list is not signed by this coop key (file modified, or signed by another "
                                     "key); nothing was changed. After a key change, give the former public key with "
                                     "--previous-key."));
        auto parsed = parse_revocations_payload(current.payload);
        if (!parsed) throw CliError(path + " : " + parsed.error());
        if (parsed->coop != coop)
            throw CliError(path + tr(" : liste de la coop ", ": list of coop ") + std::to_string(parsed->coop) +
                           tr(", pas de la coop ", ", not of coop ") + std::to_string(coop));
        list = std::move(*parsed);
    }

    std::vector<RevocationEntry> added;
    for (const std::string& text : args.all("pass")) {
        // A mistyped text may still decode, to the id of no pass: only a signed pass is revoked.
        const auto scanned = read_scanned_pass(text, coop_keys);
        if (!scanned) throw CliError(tr("--pass : texte de pass illisible : ", "--pass: unreadable pass text: ") + printable(text.substr(0, 40)));
        const Pass& pass = scanned->pass;
        if (pass.coop != coop)
            throw CliError(tr("--pass : ce pass appartient à la coop ", "--pass: this pass belongs to coop ") + std::to_string(pass.coop));
        if (!scanned->verified)
            throw CliError(tr("--pass : ce texte n'est pas un pass signé par la clé de la coop (texte mal recopié, ou pass signé "
                              "par une autre clé : voir --previous-key) ; rien n'a été révoqué : ",
                              "--pass: this text is not a pass signed by the coop's key (mistyped text, or a pass signed by "
                              "another key: see --previous-key); nothing was revoked: ") +
                           printable(text.substr(0, 40)));
        added.push_back({pass_id_value(pass.signed_bytes()), pass.expiry_day});
    }
    // By pass id or member number, through the issuance log that issue-batch keeps: an id alone
    // proves nothing, the log says it is a card of this coop and until when it is valid.
    const auto ids = args.all("pass-id"), departed = args.all("member"), lost = args.all("lost");
    std::optional<cards::IssuanceLog> log;
    const std::string log_path = args.get("log").value_or("");
    if (!ids.empty() || !departed.empty() || !lost.empty()) {
        if (log_path.empty())
            throw CliError(tr("--pass-id, --member et --lost demandent --log DOSSIER/issuance-log.csv",
                              "--pass-id, --member and --lost need --log DIR/issuance-log.csv"));
        auto parsed = cards::parse_issuance_log(read_file(log_path, cards::kMaxLogBytes));
        if (!parsed) throw CliError(log_path + " : " + parsed.error());
        log = std::move(*parsed);
    }
    for (const std::string& hex : ids) {
        const auto id = parse_pass_id(hex);
        if (!id) throw CliError("--pass-id : " + id.error());
        const auto card = std::find_if(log->cards.begin(), log->cards.end(),
                                       [&](const cards::IssuedCard& c) { return c.pass_id == pass_id_hex(*id); });
        if (card == log->cards.end())
            throw CliError("--pass-id " + pass_id_hex(*id) + tr(" : absent du journal d'émission ", ": not in the issuance log ") + log_path +
                           tr(" ; rien n'a été révoqué (pour un pass émis hors de ce journal, donnez son texte avec --pass)",
                              "; nothing was revoked (for a pass issued outside this log, give its text with --pass)"));
        added.push_back({*id, card->expiry_day});
    }
    const auto member_number = [](const std::string& option, const std::string& v) {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || end != v.data() + v.size() || n > kMaxMemberNumber)
            throw CliError("--" + option + tr(" : numéro de membre attendu", ": member number expected"));
        return n;
    };
    const auto revoke_card = [&](cards::IssuedCard& card, const char* reason) {
        card.revoked_day = today, card.reason = reason;
        added.push_back({*parse_pass_id(card.pass_id), card.expiry_day});
    };
    bool log_only_change = false;
    for (const std::string& v : departed) {
        const std::uint64_t n = member_number("member", v);
        cards::IssuedCard* last = log->latest(n);
        if (!last) throw CliError(tr("membre ", "member ") + v + tr(" absent du journal d'émission", " not in the issuance log"));
        int count = 0;
        for (cards::IssuedCard& card : log->cards)
            if (card.member == n && !card.revoked_day) revoke_card(card, "departed"), ++count;
        // The latest card may be a lost one awaiting its replacement: no replacement must follow.
        if (last->reason != "departed") last->reason = "departed", log_only_change = true;
        std::cout << tr("membre ", "member ") << n << tr(" : ", ": ") << count << tr(" carte(s) révoquée(s)\n", " card(s) revoked\n");
    }
    for (const std::string& v : lost) {
        const std::uint64_t n = member_number("lost", v);
        cards::IssuedCard* last = log->latest(n);
        if (!last) throw CliError(tr("membre ", "member ") + v + tr(" absent du journal d'émission", " not in the issuance log"));
        if (last->revoked_day) throw CliError(tr("la dernière carte du membre ", "the latest card of member ") + v + tr(" est déjà révoquée", " is already revoked"));
        revoke_card(*last, "lost");
        std::cout << tr("membre ", "member ") << n << tr(" : carte ", ": card ") << last->sequence + 1
                  << tr(" révoquée ; relancez issue-batch pour émettre la carte suivante\n", " revoked; run issue-batch again to issue the next card\n");
    }
    // A departed member's card images are moved aside at once, not only at the next batch.
    const auto set_aside = [&] {
        for (const std::uint64_t n : set_aside_departed_cards(std::filesystem::path(log_path).parent_path(), *log))
            std::cout << tr("images du membre ", "images of member ") << n << tr(" mises à l'écart dans ", " set aside in ")
                      << (std::filesystem::path(log_path).parent_path() / kSetAsideDir).string() << "/\n";
    };
    if (added.empty() && log_only_change) {
        write_file_atomic(log_path, cards::issuance_log_text(*log));
        set_aside();
        std::cout << tr("Journal d'émission mis à jour : ", "Issuance log updated: ") << log_path << "\n";
        return kExitOk;
    }
    if (added.empty()) throw CliError(tr("rien à révoquer : donnez --pass, --pass-id, --member ou --lost", "nothing to revoke: give --pass, --pass-id, --member or --lost"));

    const SigningKey key = open_key_file(key_path);
    if (key.public_key() != own_key) throw CliError(key_path + tr(" : la clé a changé pendant la commande", ": the key changed during the command"));
    for (const RevocationEntry& e : added) {
        const bool known = std::any_of(list.entries.begin(), list.entries.end(), [&](const RevocationEntry& x) { return x.pass_id == e.pass_id; });
        if (!known) list.entries.push_back(e);
        std::cout << (known ? tr("déjà révoqué : ", "already revoked: ") : tr("révoqué : ", "revoked: ")) << pass_id_hex(e.pass_id)
                  << tr(" jusqu'au ", " until ") << format_day(e.until) << "\n";
    }
    // Entries past their pass's expiry protect nothing any more: drop them to keep lists small.
    const auto pruned = std::erase_if(list.entries, [&](const RevocationEntry& e) { return e.until < today; });
    if (pruned > 0) std::cout << pruned << tr(" entrée(s) expirée(s) retirée(s)\n", " expired entry(ies) pruned\n");
    list.sequence += 1;
    list.issued_at = unix_now();

    Envelope env{std::string(kRevocationsPayloadType), revocations_payload(list), {}};
    env.sign(key);
    write_envelope_file(path, env);
    // The list first: a log saying "revoked" must never precede the signed list that does it.
    if (log) write_file_atomic(log_path, cards::issuance_log_text(*log));
    std::cout << tr("Liste écrite : ", "List written: ") << path << tr(" (séquence ", " (sequence ") << list.sequence << ", "
              << list.entries.size() << tr(" pass révoqués, signée par la clé ", " revoked passes, signed by key ") << key.id() << ")\n";
    if (log) set_aside();
    return kExitOk;
}

}  // namespace passkoop::cli
