// passkoop registry verify, show, diff, bundle: checking a version or a bundle before it is
// signed or published, and showing what it holds.
#include "registry_cli.hpp"

#include <passkoop/bundle.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/revocations.hpp>
#include <passkoop/trust.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

namespace passkoop::cli {

namespace {

using nlohmann::json;

void show_registry(const Registry& reg, const Envelope& env, bool list_coops, std::int64_t now, std::int64_t grace_days) {
    std::cout << tr("Registre Pass'Koop — version ", "Pass'Koop registry — version ") << reg.version << "\n"
              << tr("  émis le ", "  issued ") << format_instant(reg.issued_at) << tr(", expire le ", ", expires ")
              << format_instant(reg.expires_at) << "\n";
    print_validity(reg, grace_days);
    print_freshness(reg, now, grace_days);
    std::cout << tr("  version précédente : ", "  previous version: ")
              << (reg.previous ? to_hex(*reg.previous).substr(0, 16) + "…" : tr("aucune (première version)", "none (first version)"))
              << "\n  " << tr("empreinte : ", "digest: ") << to_hex(env.payload_hash()) << "\n"
              << tr("  Admins : ", "  Admins: ") << reg.admins.keys.size() << tr(" clé(s), seuil ", " key(s), threshold ")
              << reg.admins.threshold << "\n";
    for (const Admin& a : reg.admins.keys)
        std::cout << "    - " << printable(a.name) << " (coop " << a.coop << ") " << key_id(a.public_key) << "\n";
    print_threshold(tr("Signatures", "Signatures"), count_threshold(env, reg.admins));
    std::cout << tr("  Coops : ", "  Coops: ") << reg.coops.size() << "\n";
    if (!list_coops) return;
    for (const Coop& c : reg.coops) {
        std::cout << "    " << c.number << " " << printable(c.name);
        if (!c.city.empty()) std::cout << " — " << printable(c.city);
        if (!c.department.empty()) std::cout << " (" << printable(c.department) << ")";
        std::cout << tr(" — étape ", " — stage ") << c.stage << "\n      " << policy_summary(c.policy) << "\n";
        if (!c.policy.note.empty()) std::cout << tr("      note : « ", "      note: \"") << printable(c.policy.note) << tr(" »\n", "\"\n");
        for (const CoopKey& k : c.keys) std::cout << "      " << key_line(k) << "\n";
    }
}

std::optional<TrustAnchor> pinned_anchor(const Args& args, const std::string& option) {
    const auto pin = args.get(option);
    if (!pin) return std::nullopt;
    const Envelope env = read_envelope_file(*pin);
    auto reg = accept_registry(env, {}, nullptr);
    if (!reg) throw CliError(*pin + " : " + reg.error().detail);
    return TrustAnchor{std::move(*reg), env.payload_hash()};
}

}  // namespace

constexpr Help kVerifyHelp{
    "passkoop registry verify FICHIER [--previous VERSION_PRECEDENTE] [--pin REGISTRE] [--at AAAA-MM-JJ] [--grace-days J]\n"
    "Dit si une version (ou un bundle) est publiable : seuil de signatures atteint, chaîne suivie, pas expirée.\n"
    "Code de sortie 0 publiable, 1 pas encore, 2 erreur.\n"
    "  --previous V       la version publiée qu'elle remplace : son seuil d'admins est requis si les admins changent\n"
    "  --pin REGISTRE     la version qu'une caisse a épinglée : la version doit la suivre (jamais une plus ancienne)\n"
    "  --at AAAA-MM-JJ    vérifie à cette date (avertissements d'expiration)\n"
    "  --grace-days J     tolérance des caisses après expiration (90 jours par défaut)\n",
    "passkoop registry verify FILE [--previous PREVIOUS_VERSION] [--pin REGISTRY] [--at YYYY-MM-DD] [--grace-days D]\n"
    "Says whether a version (or a bundle) can be published: signature threshold met, chain followed, not expired.\n"
    "Exit code 0 ready, 1 not yet, 2 error.\n"
    "  --previous V       the published version it replaces: its admins' threshold is needed if the admins change\n"
    "  --pin REGISTRY     the version a till pinned: this version must follow it (never an older one)\n"
    "  --at YYYY-MM-DD    checks as of that day (expiry warnings)\n"
    "  --grace-days D     tills' grace after expiry (90 days by default)\n"};

int registry_verify(const Argv& argv) {
    const Args args(argv, {"previous", "pin", "grace-days", "at"}, {});
    if (print_help_if_asked(args, kVerifyHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional(tr("FICHIER", "FILE"));
    const std::string text = read_file(path, kMaxBundleBytes);
    const std::int64_t now = now_or_at(args), grace_days = grace_days_of(args);
    if (is_bundle(text)) {
        if (args.get("previous")) throw CliError(tr("--previous : pour un fichier de registre ; pour un bundle, --pin", "--previous: for a registry file; for a bundle, --pin"));
        const auto anchor = pinned_anchor(args, "pin");
        auto bundle = load_bundle(text, anchor ? &*anchor : nullptr);
        if (!bundle) {
            std::cout << "✘ " << path << " : " << printable(bundle.error().detail) << " [" << to_string(bundle.error().failure) << "]\n";
            return kExitInvalid;
        }
        std::cout << "✔ " << path << tr(" : bundle valide, registre version ", ": valid bundle, registry version ")
                  << bundle->registry.version << ", " << bundle->registry.coops.size() << " coops, " << bundle->revoked.size()
                  << tr(" pass révoqués", " revoked passes") << (anchor ? "" : tr(" (non épinglé)", " (not pinned)")) << "\n";
        print_threshold(tr("admins", "admins"), count_threshold(bundle->registry_envelope, bundle->registry.admins));
        for (const auto& w : bundle->warnings) std::cout << "  ! " << printable(w) << "\n";
        return print_freshness(bundle->registry, now, grace_days) ? kExitOk : kExitInvalid;
    }
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    const Registry reg = read_registry(path, *env);
    const ThresholdCount own = count_threshold(*env, reg.admins);
    std::cout << tr("Registre version ", "Registry version ") << reg.version << " (" << path << ")\n";
    print_threshold(tr("admins de cette version", "admins of this version"), own);
    bool ok = own.met();
    // --previous: the version this one replaces; --pin: a version a till trusts. Either must be
    // followed: same admins or a change signed by both sets, and never an older version.
    for (const std::string option : {"previous", "pin"}) {
        const auto trusted = pinned_anchor(args, option);
        if (!trusted) continue;
        if (!trusted->registry.admins.same_trust_as(reg.admins)) {
            std::cout << tr("  Les admins changent depuis la version ", "  The admins change since version ") << trusted->registry.version
                      << tr(" : son seuil d'admins est aussi requis\n", ": its admins' threshold is required too\n");
            print_threshold(tr("admins de la version ", "admins of version ") + std::to_string(trusted->registry.version),
                            count_threshold(*env, trusted->registry.admins));
        }
        auto accepted = accept_registry(*env, {}, &*trusted);
        if (accepted) std::cout << (option == "pin" ? tr("  ✔ suit la version épinglée ", "  ✔ follows the pinned version ")
                                                    : tr("  ✔ suit la version ", "  ✔ follows version "))
                                << trusted->registry.version << "\n";
        else std::cout << "  ✘ " << printable(accepted.error().detail) << " [" << to_string(accepted.error().failure) << "]\n";
        ok = ok && accepted.has_value();
    }
    print_validity(reg, grace_days);
    const bool fresh = print_freshness(reg, now, grace_days);
    if (!ok) std::cout << tr("✘ pas encore publiable\n", "✘ not publishable yet\n");
    else if (!fresh)
        std::cout << tr("✘ pas publiable : cette version a expiré ; préparez-en une nouvelle (passkoop registry renew)\n",
                        "✘ not publishable: this version has expired; prepare a new one (passkoop registry renew)\n");
    else std::cout << tr("✔ publiable\n", "✔ ready to publish\n");
    return ok && fresh ? kExitOk : kExitInvalid;
}

constexpr Help kShowHelp{
    "passkoop registry show FICHIER [--brief] [--pin REGISTRE] [--at AAAA-MM-JJ] [--grace-days J]\n"
    "Affiche une version du registre ou un bundle : dates, validité et tolérance, admins, signatures, coops,\n"
    "leurs politiques, notes et clés ; avertit à partir de 30 jours avant l'expiration.\n"
    "  --brief            sans la liste des coops\n"
    "  --pin REGISTRE     pour un bundle : la version épinglée qu'il doit suivre\n"
    "  --at AAAA-MM-JJ    à cette date (avertissements d'expiration)\n"
    "  --grace-days J     tolérance des caisses après expiration (90 jours par défaut)\n",
    "passkoop registry show FILE [--brief] [--pin REGISTRY] [--at YYYY-MM-DD] [--grace-days D]\n"
    "Shows a registry version or a bundle: dates, validity and grace, admins, signatures, coops,\n"
    "their policies, notes and keys; warns from 30 days before expiry.\n"
    "  --brief            without the list of coops\n"
    "  --pin REGISTRY     for a bundle: the pinned version it must follow\n"
    "  --at YYYY-MM-DD    as of that day (expiry warnings)\n"
    "  --grace-days D     tills' grace after expiry (90 days by default)\n"};

int registry_show(const Argv& argv) {
    const Args args(argv, {"pin", "at", "grace-days"}, {"brief"});
    if (print_help_if_asked(args, kShowHelp, std::cout)) return kExitOk;
    const std::string path = args.single_positional(tr("FICHIER", "FILE"));
    const std::string text = read_file(path, kMaxBundleBytes);
    const std::int64_t now = now_or_at(args), grace_days = grace_days_of(args);
    if (is_bundle(text)) {
        const auto anchor = pinned_anchor(args, "pin");
        auto bundle = load_bundle(text, anchor ? &*anchor : nullptr);
        if (!bundle) throw CliError(path + " : " + bundle.error().detail);
        show_registry(bundle->registry, bundle->registry_envelope, !args.flag("brief"), now, grace_days);
        std::cout << tr("  Révocations : ", "  Revocations: ") << bundle->revoked.size() << tr(" pass, ", " passes, ")
                  << bundle->revocation_sequences.size() << tr(" liste(s)\n", " list(s)\n");
        for (const auto& w : bundle->warnings) std::cout << "  ! " << printable(w) << "\n";
        return kExitOk;
    }
    if (args.get("pin")) throw CliError(tr("--pin : pour un bundle ; pour un fichier de registre, registry verify --pin", "--pin: for a bundle; for a registry file, registry verify --pin"));
    auto env = parse_envelope_text(text);
    if (!env) throw CliError(path + " : " + env.error().detail);
    show_registry(read_registry(path, *env), *env, !args.flag("brief"), now, grace_days);
    return kExitOk;
}

constexpr Help kDiffHelp{
    "passkoop registry diff ANCIEN NOUVEAU\n"
    "Ce qui change d'une version à l'autre, à relire avant de signer : version et dates, admins et seuil,\n"
    "coops ajoutées ou retirées avec leurs clés (identifiant compris), fiches, politiques et notes, clés.\n",
    "passkoop registry diff OLD NEW\n"
    "What changes from one version to the next, to read before signing: version and dates, admins and threshold,\n"
    "coops added or removed with their keys (key id included), details, policies and notes, keys.\n"};

std::string quoted_note(const std::string& note) {
    if (note.empty()) return tr("(aucune)", "(none)");
    return tr("« ", "\"") + printable(note) + tr(" »", "\"");
}

int registry_diff(const Argv& argv) {
    const Args args(argv, {}, {});
    if (print_help_if_asked(args, kDiffHelp, std::cout)) return kExitOk;
    if (args.positional().size() != 2) throw CliError(tr("usage : passkoop registry diff ANCIEN NOUVEAU", "usage: passkoop registry diff OLD NEW"));
    const std::string& old_path = args.positional()[0];
    const std::string& new_path = args.positional()[1];
    const Registry a = read_registry(old_path, read_envelope_file(old_path));
    const Registry b = read_registry(new_path, read_envelope_file(new_path));
    std::size_t changes = 0;
    auto line = [&](const std::string& text) { std::cout << text << "\n", ++changes; };
    if (a.version != b.version) line("version " + std::to_string(a.version) + " → " + std::to_string(b.version));
    if (a.expires_at != b.expires_at)
        line(tr("expire le ", "expires ") + date_fr(day_of(a.expires_at)) + " → " + date_fr(day_of(b.expires_at)) + " (" +
             std::to_string((b.expires_at - b.issued_at) / kSecondsPerDay) + tr(" jours de validité)", " days of validity)"));
    if (a.admins.threshold != b.admins.threshold)
        line(tr("seuil des admins ", "admin threshold ") + std::to_string(a.admins.threshold) + " → " + std::to_string(b.admins.threshold));
    for (const Admin& x : b.admins.keys)
        if (std::none_of(a.admins.keys.begin(), a.admins.keys.end(), [&](const Admin& y) { return y.public_key == x.public_key; }))
            line("+ admin " + printable(x.name) + " " + key_id(x.public_key));
    for (const Admin& x : a.admins.keys)
        if (std::none_of(b.admins.keys.begin(), b.admins.keys.end(), [&](const Admin& y) { return y.public_key == x.public_key; }))
            line("- admin " + printable(x.name) + " " + key_id(x.public_key));
    for (const Coop& c : b.coops) {
        const Coop* old = a.find_coop(c.number);
        const std::string label = "coop " + std::to_string(c.number) + " " + printable(c.name);
        if (old == nullptr) {
            // A new coop's keys are what an admin must check against what the coop sent.
            line("+ " + label + " — " + policy_summary(c.policy));
            for (const CoopKey& k : c.keys) line("+ " + label + " " + key_line(k));
            continue;
        }
        if (old->name != c.name || old->city != c.city || old->stage != c.stage || old->website != c.website)
            line("~ " + label + tr(" : fiche modifiée", ": details changed"));
        if (policy_summary(old->policy) != policy_summary(c.policy))
            line("~ " + label + " : " + policy_summary(old->policy) + " → " + policy_summary(c.policy));
        if (old->policy.note != c.policy.note)
            line("~ " + label + tr(" : note ", ": note ") + quoted_note(old->policy.note) + " → " + quoted_note(c.policy.note));
        for (const CoopKey& k : c.keys) {
            const CoopKey* ok = old->find_key(k.number);
            if (ok == nullptr) line("+ " + label + " " + key_line(k));
            else if (ok->public_key != k.public_key)
                line("~ " + label + " " + key_line(k) + tr(" — AUTRE CLÉ PUBLIQUE, avant ", " — ANOTHER PUBLIC KEY, was ") + key_id(ok->public_key));
            else if (ok->status != k.status || ok->not_before != k.not_before || ok->not_after != k.not_after)
                line("~ " + label + " " + key_line(*ok) + " → " + status_label(k.status) + " " + date_fr(k.not_before) + " → " +
                     date_fr(k.not_after));
        }
        for (const CoopKey& k : old->keys)
            if (c.find_key(k.number) == nullptr) line("- " + label + " " + key_line(k));
    }
    for (const Coop& c : a.coops)
        if (b.find_coop(c.number) == nullptr) line("- coop " + std::to_string(c.number) + " " + printable(c.name));
    if (changes == 0) std::cout << tr("aucune différence\n", "no difference\n");
    return kExitOk;
}

constexpr Help kBundleHelp{
    "passkoop registry bundle --registry REGISTRE --out BUNDLE [--from ANCIEN_BUNDLE] [--history F]... [--revocations F]...\n"
    "Le fichier que les boutiques téléchargent : le registre signé, l'historique des changements d'admins et\n"
    "les listes de révocation des coops. --from reprend ceux de l'ancien bundle ; le bundle produit est vérifié\n"
    "comme une caisse qui avait l'ancien le vérifierait.\n",
    "passkoop registry bundle --registry REGISTRY --out BUNDLE [--from OLD_BUNDLE] [--history F]... [--revocations F]...\n"
    "The file shops download: the signed registry, the history of admin changes and the coops' revocation\n"
    "lists. --from carries the old bundle's forward; the bundle made is checked as a till that had the old\n"
    "one would check it.\n"};

int registry_bundle(const Argv& argv) {
    const Args args(argv, {"registry", "out", "history", "revocations", "from"}, {});
    if (print_help_if_asked(args, kBundleHelp, std::cout)) return kExitOk;
    const std::string reg_path = args.require("registry");
    const Envelope reg_env = read_envelope_file(reg_path);
    const Registry reg = read_registry(reg_path, reg_env);
    std::vector<Envelope> history, revocations;
    std::optional<TrustAnchor> old_anchor;  // what the tills that loaded the --from bundle trust
    if (const auto from = args.get("from")) {
        // Carry the previous bundle's history forward, adding its registry if it changed the admins.
        const std::string text = read_file(*from, kMaxBundleBytes);
        auto old = load_bundle(text, nullptr);
        if (!old) throw CliError(*from + " : " + old.error().detail);
        old_anchor = old->anchor();
        const json doc = json::parse(text);
        for (const json& e : doc.at("admin_history")) history.push_back(*envelope_from_json(e));
        for (const json& e : doc.at("revocations")) revocations.push_back(*envelope_from_json(e));
        const bool old_changed_admins =
            history.empty() || !read_registry(*from, history.back()).admins.same_trust_as(old->registry.admins);
        if (old->registry.version < reg.version && old_changed_admins) history.push_back(old->registry_envelope);
    }
    for (const std::string& h : args.all("history")) history.push_back(read_envelope_file(h));
    for (const std::string& r : args.all("revocations")) revocations.push_back(read_envelope_file(r));
    // A bundle carries each coop's list once: keep its highest sequence, so that re-bundling with
    // --from replaces a coop's list instead of adding a second one that tills would ignore.
    auto list_of = [](const Envelope& e) -> std::optional<RevocationList> {
        if (e.payload_type != kRevocationsPayloadType) return std::nullopt;
        auto list = parse_revocations_payload(e.payload);
        return list ? std::optional(std::move(*list)) : std::nullopt;
    };
    std::map<std::uint16_t, std::int64_t> highest;
    for (const Envelope& e : revocations)
        if (const auto list = list_of(e)) {
            const auto [it, fresh] = highest.try_emplace(list->coop, list->sequence);
            if (!fresh) it->second = std::max(it->second, list->sequence);
        }
    std::set<std::uint16_t> kept;
    std::erase_if(revocations, [&](const Envelope& e) {
        const auto list = list_of(e);
        return list && (list->sequence < highest.at(list->coop) || !kept.insert(list->coop).second);
    });
    const std::string text = bundle_to_string(reg_env, history, revocations);
    // Never publish a bundle that our own verifier would refuse, nor one that the tills which
    // loaded the --from bundle would refuse (a rollback, or an admin change missing its link).
    auto check = load_bundle(text, old_anchor ? &*old_anchor : nullptr);
    if (!check)
        throw CliError(tr("le bundle produit ne se vérifie pas", "the bundle made does not verify") +
                       (old_anchor ? tr(" pour une caisse qui a chargé ", " for a till that loaded ") + *args.get("from") : std::string()) +
                       " : " + check.error().detail + " [" + std::string(to_string(check.error().failure)) + "]" +
                       (check.error().failure == TrustFailure::broken_admin_chain
                            ? tr(" ; ajoutez les versions intermédiaires avec --history", "; add the versions in between with --history")
                            : std::string()));
    const std::string out = args.require("out");
    write_file_atomic(out, text);
    std::cout << tr("Bundle écrit : ", "Bundle written: ") << out << " (version " << reg.version << ", " << history.size()
              << tr(" document(s) d'historique, ", " history document(s), ") << check->revocation_sequences.size()
              << tr(" liste(s) de révocation, ", " revocation list(s), ") << check->revoked.size() << tr(" pass révoqués)\n", " revoked passes)\n");
    for (const auto& w : check->warnings) std::cout << "  ! " << printable(w) << "\n";
    return kExitOk;
}

}  // namespace passkoop::cli
