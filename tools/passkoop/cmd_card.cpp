// passkoop card: the QR code or the printable card of one pass, as SVG, PNG, PDF or on the terminal.
#include "cli.hpp"
#include "commands.hpp"

#include <card.hpp>

#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>

#include <iostream>

namespace passkoop::cli {

cards::CardInfo card_info(const Pass& pass, const std::string& text, const std::string& coop_name) {
    return {text, coop_name.empty() ? tr("Coop n° ", "Coop no. ") + std::to_string(pass.coop) : coop_name, pass.name, pass.member,
            pass.card_sequence, pass.expiry_day, cards::qr_for_pass_text(text)};
}

constexpr Help kCardHelp{
    "passkoop card --format svg|png|pdf|terminal --out FICHIER|- [--coop-name NOM] [--qr-only] TEXTE\n"
    "Dessine la carte d'un pass (TEXTE, tel qu'issue l'a affiché) ; --format terminal --out - dessine le QR\n"
    "dans le terminal.\n"
    "  --coop-name NOM    nom de la coop sur la carte (sinon « Coop n° N »)\n"
    "  --qr-only          le QR code seul\n",
    "passkoop card --format svg|png|pdf|terminal --out FILE|- [--coop-name NAME] [--qr-only] TEXT\n"
    "Draws a pass's card (TEXT, as issue printed it); --format terminal --out - draws the QR in the terminal.\n"
    "  --coop-name NAME   the coop's name on the card (else \"Coop no. N\")\n"
    "  --qr-only          the QR code alone\n"};

int cmd_card(const Argv& argv) {
    const Args args(argv, {"format", "out", "coop-name"}, {"qr-only"});
    if (print_help_if_asked(args, kCardHelp, std::cout)) return kExitOk;
    const std::string format = args.require("format");
    const std::string out = args.require("out");
    const std::string raw = args.single_positional("TEXT");
    // The card carries the canonical text, whatever a scanner typed.
    const auto scanned = normalise_scanned_text(raw);
    const auto bytes = scanned ? decode_text(scanned->readings.front()) : std::unexpected(scanned.error());
    const auto pass = bytes ? decode_binary(*bytes) : std::unexpected(bytes.error());
    if (!pass) throw CliError(tr("texte de pass illisible : ", "unreadable pass text: ") + printable(raw.substr(0, 40)));
    const std::string text = encode_text(*bytes);
    const cards::CardInfo info = card_info(*pass, text, args.get("coop-name").value_or(""));
    const bool qr_only = args.flag("qr-only");
    if (qr_only && format == "pdf") throw CliError(tr("--qr-only : avec svg ou png", "--qr-only: with svg or png"));

    std::string content;
    if (format == "svg") content = qr_only ? cards::qr_svg(cards::qr_for_pass_text(text)) : cards::card_svg(info);
    else if (format == "png") content = qr_only ? cards::qr_png(cards::qr_for_pass_text(text)) : cards::card_png(info);
    else if (format == "pdf") content = cards::card_pdf(info);
    else if (format == "terminal") content = cards::qr_terminal(cards::qr_for_pass_text(text));
    else throw CliError(tr("--format : svg, png, pdf ou terminal", "--format: svg, png, pdf or terminal"));

    if (out == "-") std::cout << content << std::flush;
    else write_file_atomic(out, content);
    return kExitOk;
}

}  // namespace passkoop::cli
