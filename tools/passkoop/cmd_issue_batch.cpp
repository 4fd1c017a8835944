// passkoop issue-batch: passes and printable cards for a coop's whole membership, from an Odoo
// member export, with the issuance log that later revocations by member number read.
#include "cli.hpp"
#include "commands.hpp"

#include <card.hpp>
#include <issuance_log.hpp>
#include <odoo_export.hpp>

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/pass.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace passkoop::cli {

namespace fs = std::filesystem;

namespace {

// A card whose expiry is this close is renewed by the next batch.
constexpr std::int64_t kRenewWithinDays = 30;
constexpr int kWorkers = 2;

struct Job {
    std::size_t line = 0;
    Pass pass;
    std::string why;  // what the summary counts it as
    // Filled by the workers:
    std::string text, pass_id, error;
    cards::CardInfo card;
};

struct Summary {
    std::map<std::string, int> issued;
    std::map<std::string, std::vector<std::string>> skipped;  // reason → who ("4242 Marie D.")
    int unchanged = 0;
    std::vector<cards::LineProblem> errors;
};

std::set<std::string> shopping_states(const Args& args) {
    const auto list = args.get("states");
    if (!list) return cards::default_shopping_states();
    std::set<std::string> states;
    std::stringstream in(*list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) states.insert(cards::canonical_state(item));
    if (states.empty()) throw CliError(tr("--states : liste vide", "--states: empty list"));
    return states;
}

cards::NameStyle name_style(const Args& args) {
    const std::string v = args.get("names").value_or("initial");
    if (v == "initial") return cards::NameStyle::initial;
    if (v == "full") return cards::NameStyle::full;
    if (v == "none") return cards::NameStyle::none;
    throw CliError(tr("--names : initial, full ou none", "--names: initial, full or none"));
}

cards::Encoding encoding(const Args& args) {
    const std::string v = args.get("encoding").value_or("auto");
    if (v == "auto") return cards::Encoding::automatic;
    if (v == "utf-8" || v == "utf8") return cards::Encoding::utf8;
    if (v == "windows-1252" || v == "cp1252") return cards::Encoding::windows1252;
    throw CliError(tr("--encoding : auto, utf-8 ou windows-1252", "--encoding: auto, utf-8 or windows-1252"));
}

// Which rows get a new card, and why the others do not.
std::vector<Job> plan(const cards::MemberExport& members, const cards::IssuanceLog& log, const Args& args, const Pass& base,
                      Summary& summary) {
    const auto states = shopping_states(args);
    const auto style = name_style(args);
    const bool all = args.flag("all");
    summary.errors = members.errors;
    std::map<std::uint64_t, std::size_t> seen;
    std::vector<Job> jobs;
    for (const cards::MemberRow& row : members.rows) {
        const auto error = [&](const std::string& m) { summary.errors.push_back({row.line, m}); };
        const auto skip = [&](const std::string& why) {
            const std::string name = cards::display_name(row.name, cards::NameStyle::initial);
            summary.skipped[why].push_back(std::to_string(*row.number) + (name.empty() ? "" : " " + name));
        };
        if (!row.number) {
            error(tr("pas de numéro de membre (Base du code Barre ou Code Barre)", "no member number (barcode_base or barcode)"));
            continue;
        }
        const std::uint64_t n = *row.number;
        if (const auto [it, fresh] = seen.emplace(n, row.line); !fresh) {
            error(tr("numéro de membre ", "member number ") + std::to_string(n) + tr(" déjà vu ligne ", " already seen on line ") +
                  std::to_string(it->second));
            continue;
        }
        if (!row.is_member && !row.is_associated) {
            skip(tr("ni membre ni personne rattachée", "neither member nor associated person"));
            continue;
        }
        if (!states.contains(row.state)) {
            // In the export's own words: a French export gets Odoo's French labels.
            const std::string state = members.french_headers ? cards::french_state_label(row.state) : row.state;
            skip(tr("statut « ", "state \"") + printable(state) + tr(" »", "\""));
            continue;
        }
        Job job;
        job.line = row.line, job.pass = base;
        job.pass.member = n;
        job.pass.name = cards::display_name(row.name, style);
        if (!is_valid_display_name(job.pass.name)) {
            error(tr("nom illisible", "unreadable name"));
            continue;
        }
        const cards::IssuedCard* last = log.latest(n);
        if (!last) job.why = tr("nouvelles", "new");
        else if (last->revoked_day && last->reason == "departed" && !all) {
            skip(tr("carte révoquée au départ du membre (--all pour réémettre)", "card revoked when the member left (--all to re-issue)"));
            continue;
        } else if (last->revoked_day && last->reason == "failed") job.why = tr("non dessinées la dernière fois", "not drawn last time");
        else if (last->revoked_day) job.why = tr("remplaçant une carte perdue", "replacing a lost card");
        else if (last->name != job.pass.name) job.why = tr("nom changé", "name changed");
        else if (last->expiry_day < base.issued_day + kRenewWithinDays) job.why = tr("renouvelées", "renewed");
        else if (all) job.why = tr("réémises (--all)", "re-issued (--all)");
        else {
            ++summary.unchanged;
            continue;
        }
        const int sequence = log.next_sequence(n);
        if (sequence > 255) {
            error(tr("255 cartes déjà émises pour ce membre", "255 cards already issued for this member"));
            continue;
        }
        job.pass.card_sequence = static_cast<std::uint8_t>(sequence);
        jobs.push_back(std::move(job));
    }
    return jobs;
}

// Signs the pass, checks the signature and that its text reads back as exactly this pass.
void sign_job(Job& job, const SigningKey& key) {
    sign_checked(job.pass, key);
    const Bytes binary = job.pass.to_binary();
    job.text = encode_text(binary);
    const auto back = decode_text(job.text);
    if (!back || *back != binary) throw CliError(tr("le texte du pass ne se relit pas", "the pass text does not read back"));
    job.pass_id = pass_id(job.pass.signed_bytes());
}

// Draws the card and writes its PNG and SVG.
void draw_job(Job& job, const fs::path& dir, const std::string& coop_name) {
    job.card = card_info(job.pass, job.text, coop_name);
    const std::string stem = std::to_string(job.pass.member);
    // Made again by running the batch again: not worth a sync per file.
    write_file_atomic(dir / "png" / (stem + ".png"), cards::card_png(job.card), {.durable = false});
    write_file_atomic(dir / "svg" / (stem + ".svg"), cards::card_svg(job.card), {.durable = false});
}

// Runs step(job) on every job with kWorkers threads; `each_in_order(job)` is called on this
// thread for each job in file order as soon as it and all before it are done. A step that
// throws leaves its message in job.error.
template <class Step, class InOrder>
void run_jobs(std::vector<Job>& jobs, Step step, InOrder each_in_order) {
    std::atomic<std::size_t> next{0};
    std::vector<char> done(jobs.size(), 0);
    std::mutex mutex;
    std::condition_variable ready;
    const auto work = [&] {
        for (std::size_t i; (i = next++) < jobs.size();) {
            if (jobs[i].error.empty()) {
                try {
                    step(jobs[i]);
                } catch (const std::exception& e) {
                    jobs[i].error = e.what();
                }
            }
            {
                const std::lock_guard lock(mutex);
                done[i] = 1;
            }
            ready.notify_one();
        }
    };
    std::vector<std::jthread> workers;
    for (int w = 0; w < kWorkers; ++w) workers.emplace_back(work);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        {
            std::unique_lock lock(mutex);
            ready.wait(lock, [&] { return done[i] != 0; });
        }
        each_in_order(jobs[i]);
    }
}

class Progress {
public:
    explicit Progress(std::size_t total) : total_(total), shown_(::isatty(STDERR_FILENO) == 1) {}
    void update(std::size_t done) {
        if (!shown_ || total_ == 0) return;
        const std::size_t width = 30, filled = done * width / total_;
        const std::size_t percent = done * 100 / total_;
        if (percent == last_ && done != total_) return;
        last_ = percent;
        std::cerr << "\r" << tr("Cartes ", "Cards ") << "[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
                  << "/" << total_ << (done == total_ ? "\n" : "") << std::flush;
    }

private:
    std::size_t total_;
    bool shown_;
    std::size_t last_ = 101;
};

// Today's date on the calendar of the volunteer who prints (the machine's time zone, TZ), not UTC's:
// a batch run on a French evening is named after that evening.
std::string local_date_today() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    if (::localtime_r(&now, &local) == nullptr) return format_day(day_of(unix_now()));
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &local);
    return text;
}

// A PDF of its own for each run ("cartes-2026-11-21.pdf", then "-2", "-3" the same day): a sheet
// not printed yet is never overwritten by the next run.
fs::path new_pdf_path(const fs::path& dir) {
    const std::string stem = "cartes-" + local_date_today();
    fs::path path = dir / (stem + ".pdf");
    for (int n = 2; fs::exists(path); ++n) path = dir / (stem + "-" + std::to_string(n) + ".pdf");
    return path;
}

void print_summary(const Summary& s, const fs::path& dir, const std::string& pdf, int pages) {
    int issued = 0;
    for (const auto& [why, n] : s.issued) issued += n;
    std::cout << tr("Cartes émises : ", "Cards issued: ") << issued;
    if (issued > 0) {
        std::cout << " (";
        bool first = true;
        for (const auto& [why, n] : s.issued) std::cout << (first ? "" : ", ") << why << tr(" : ", ": ") << n, first = false;
        std::cout << ")";
    }
    std::cout << "\n" << tr("Inchangées (carte en cours déjà émise) : ", "Unchanged (current card already issued): ") << s.unchanged << "\n";
    int skipped = 0;
    for (const auto& [why, who] : s.skipped) skipped += static_cast<int>(who.size());
    std::cout << tr("Ignorées : ", "Skipped: ") << skipped << "\n";
    // Who, so that the volunteer can check the export: the first few of each reason.
    constexpr std::size_t kNamed = 10;
    for (const auto& [why, who] : s.skipped) {
        std::cout << "  " << who.size() << " × " << why << tr(" : ", ": ");
        for (std::size_t i = 0; i < std::min(who.size(), kNamed); ++i) std::cout << (i ? ", " : "") << printable(who[i]);
        if (who.size() > kNamed) std::cout << tr(" … et ", " … and ") << who.size() - kNamed << tr(" autre(s)", " more");
        std::cout << "\n";
    }
    std::cout << tr("Erreurs : ", "Errors: ") << s.errors.size() << "\n";
    for (const auto& e : s.errors) std::cout << tr("  ligne ", "  line ") << e.line << tr(" : ", ": ") << printable(e.message) << "\n";
    if (!pdf.empty())
        std::cout << tr("À imprimer : ", "To print: ") << pdf << " (" << pages << tr(" page(s))\n", " page(s))\n")
                  << tr("Une image par membre : ", "One image per member: ") << (dir / "png").string() << "/, " << (dir / "svg").string()
                  << "/\n";
    std::cout << tr("Journal d'émission (à conserver) : ", "Issuance log (keep it): ") << (dir / cards::kIssuanceLogName).string() << "\n";
}

}  // namespace

std::vector<std::uint64_t> set_aside_departed_cards(const fs::path& dir, const cards::IssuanceLog& log) {
    std::set<std::uint64_t> members;
    for (const cards::IssuedCard& card : log.cards) members.insert(card.member);
    std::vector<std::uint64_t> moved;
    for (const std::uint64_t n : members) {
        const cards::IssuedCard* last = log.latest(n);
        if (!last || !last->revoked_day || last->reason != "departed") continue;
        bool any = false;
        for (const char* format : {"png", "svg"}) {
            const std::string file = std::to_string(n) + "." + format;
            if (!fs::exists(dir / format / file)) continue;
            fs::create_directories(dir / kSetAsideDir / format);
            fs::rename(dir / format / file, dir / kSetAsideDir / format / file);
            any = true;
        }
        if (any) moved.push_back(n);
    }
    return moved;
}

constexpr Help kIssueBatchHelp{
    "passkoop issue-batch --key FICHIER --coop N --key-number K --csv MEMBRES.csv --out DOSSIER [--coop-name NOM]\n"
    "                     [--days J | --until AAAA-MM-JJ] [--states up_to_date,alert,delay,exempted] [--names initial|full|none]\n"
    "                     [--encoding auto|utf-8|windows-1252] [--sheet a4|card] [--all]\n"
    "Les cartes de tous les membres d'un export CSV d'Odoo : un PDF daté à imprimer, une image PNG et SVG par\n"
    "membre, et le journal d'émission (à conserver). Relancée après chaque export, elle ne refait que les cartes\n"
    "nouvelles, changées ou bientôt expirées ; --all refait tout.\n"
    "  --states           les statuts Odoo qui reçoivent une carte (noms techniques ou libellés français)\n"
    "  --names            nom sur la carte : « Marie D. » (initial), complet (full) ou aucun (none)\n"
    "  --sheet card       une page par carte, pour une imprimante à cartes\n",
    "passkoop issue-batch --key FILE --coop N --key-number K --csv MEMBERS.csv --out DIR [--coop-name NAME]\n"
    "                     [--days D | --until YYYY-MM-DD] [--states up_to_date,alert,delay,exempted] [--names initial|full|none]\n"
    "                     [--encoding auto|utf-8|windows-1252] [--sheet a4|card] [--all]\n"
    "The cards of every member of an Odoo CSV export: a dated PDF to print, a PNG and an SVG image per member,\n"
    "and the issuance log (keep it). Run again after each export, it only makes the new, changed or soon-expiring\n"
    "cards; --all makes them all again.\n"
    "  --states           the Odoo states that get a card (technical names or French labels)\n"
    "  --names            name on the card: \"Marie D.\" (initial), full or none\n"
    "  --sheet card       one page per card, for a card printer\n"};

int cmd_issue_batch(const Argv& argv) {
    const Args args(argv,
                    {"key", "coop", "key-number", "csv", "out", "coop-name", "days", "until", "issued", "states", "names", "encoding",
                     "sheet"},
                    {"all"});
    if (print_help_if_asked(args, kIssueBatchHelp, std::cout)) return kExitOk;
    Pass base;
    base.coop = static_cast<std::uint16_t>(args.require_integer("coop", 1, 65535));
    base.key_number = static_cast<std::uint8_t>(args.require_integer("key-number", 0, 255));
    base.kind = PassKind::member;
    const auto [issued, expiry] = issue_days(args);
    base.issued_day = static_cast<std::uint16_t>(issued);
    base.expiry_day = static_cast<std::uint16_t>(expiry);
    const std::string key_path = args.require("key");
    const fs::path dir = args.require("out");
    const std::string coop_name = args.get("coop-name").value_or("");
    const std::string sheet = args.get("sheet").value_or("a4");
    if (sheet != "a4" && sheet != "card") throw CliError(tr("--sheet : a4 ou card", "--sheet: a4 or card"));

    cards::MemberExport members;
    try {
        const std::string csv = args.require("csv");
        members = cards::read_member_export(read_file(csv, cards::kMaxExportBytes), encoding(args));
    } catch (const cards::ExportError& e) {
        throw CliError(args.require("csv") + " : " + e.what());
    }
    for (const char* sub : {"png", "svg"}) {
        std::error_code ec;
        fs::create_directories(dir / sub, ec);
        if (ec) throw CliError((dir / sub).string() + tr(" : création impossible : ", ": cannot create: ") + ec.message());
    }
    const fs::path log_path = dir / cards::kIssuanceLogName;
    cards::IssuanceLog log;
    if (fs::exists(log_path)) {
        auto parsed = cards::parse_issuance_log(read_file(log_path, cards::kMaxLogBytes));
        if (!parsed) throw CliError(log_path.string() + " : " + parsed.error());
        log = std::move(*parsed);
    }

    for (const std::uint64_t n : set_aside_departed_cards(dir, log))
        std::cout << tr("Images du membre parti ", "Images of departed member ") << n << tr(" mises à l'écart dans ", " set aside in ")
                  << (dir / kSetAsideDir).string() << "/\n";
    Summary summary;
    std::vector<Job> jobs = plan(members, log, args, base, summary);
    std::string pdf_path;
    int pages = 0;
    if (!jobs.empty()) {
        // Every pass is signed and logged before any image is written: a card that exists, even
        // one from a batch that was interrupted, always has its sequence in the log.
        {
            const SigningKey key = open_key_file(key_path);
            run_jobs(jobs, [&](Job& job) { sign_job(job, key); }, [](Job&) {});
        }
        std::map<const Job*, std::size_t> row_of;
        for (const Job& job : jobs) {
            if (!job.error.empty()) continue;
            row_of[&job] = log.cards.size();
            log.cards.push_back({job.pass.member, job.pass.card_sequence, job.pass_id, issued, expiry, job.pass.name, std::nullopt, ""});
        }
        write_file_atomic(log_path, cards::issuance_log_text(log));

        // Two workers draw; this thread adds the cards to the PDF in file order.
        cards::CardSheets pdf(sheet == "a4" ? cards::SheetLayout::a4 : cards::SheetLayout::card);
        Progress progress(jobs.size());
        bool log_changed = false;
        std::size_t handled = 0;
        run_jobs(jobs, [&](Job& job) { draw_job(job, dir, coop_name); }, [&](Job& job) {
            if (job.error.empty()) {
                pdf.add(job.card);
                ++summary.issued[job.why];
            } else {
                summary.errors.push_back({job.line, job.error});
                // Signed but not drawn: the next batch replaces it with the next sequence.
                if (const auto row = row_of.find(&job); row != row_of.end()) {
                    log.cards[row->second].revoked_day = base.issued_day, log.cards[row->second].reason = "failed";
                    log_changed = true;
                }
            }
            progress.update(++handled);
        });
        if (log_changed) write_file_atomic(log_path, cards::issuance_log_text(log));
        if (pdf.cards() > 0) {
            pages = sheet == "a4" ? (pdf.cards() + 9) / 10 : pdf.cards();
            pdf_path = new_pdf_path(dir).string();
            write_file_atomic(pdf_path, pdf.finish());
        }
    }
    std::sort(summary.errors.begin(), summary.errors.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    print_summary(summary, dir, pdf_path, pages);
    return summary.errors.empty() ? kExitOk : kExitInvalid;
}

}  // namespace passkoop::cli
