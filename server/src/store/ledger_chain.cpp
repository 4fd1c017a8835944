// The ledger's hash chain: verification against the stored checkpoints, checkpoints, and the
// retention purge that erases identifiers without breaking the chain.
#include "store/ledger.hpp"

#include "service/config.hpp"
#include "store/visit_rows.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>

#include <algorithm>
#include <limits>

namespace passkoop::server {

namespace {

const char* reason_name(CheckpointReason reason) {
    switch (reason) {
        case CheckpointReason::purge: return "purge";
        case CheckpointReason::shutdown: return "shutdown";
        case CheckpointReason::periodic: return "periodic";
        case CheckpointReason::noted: return "noted";
    }
    return "periodic";
}

CheckpointReason reason_from(std::string_view name) {
    if (name == "purge") return CheckpointReason::purge;
    if (name == "shutdown") return CheckpointReason::shutdown;
    return CheckpointReason::periodic;
}

void insert_checkpoint(Database& db, const Checkpoint& c) {
    auto s = db.prepare(
        "INSERT INTO checkpoints (at, reason, row_count, head, erased_before, retention_months) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, c.at).bind(2, reason_name(c.reason)).bind(3, c.rows).bind_blob(4, c.head.data(), c.head.size());
    c.erased_before ? s.bind(5, *c.erased_before) : s.bind_null(5);
    c.retention_months ? s.bind(6, *c.retention_months) : s.bind_null(6);
    s.step();
}

std::vector<Checkpoint> read_checkpoints(Database& db) {
    std::vector<Checkpoint> checkpoints;
    auto s = db.prepare("SELECT at, reason, row_count, head, erased_before, retention_months FROM checkpoints ORDER BY id");
    while (s.step()) {
        Checkpoint c;
        c.at = s.integer(0);
        c.reason = reason_from(s.text(1));
        c.rows = s.integer(2);
        c.head = s.fixed_blob<32>(3);
        if (!s.is_null(4)) c.erased_before = s.integer(4);
        if (!s.is_null(5)) c.retention_months = s.integer(5);
        checkpoints.push_back(c);
    }
    return checkpoints;
}

// The retention in force is the latest purge's; a purge also vouches for every row it erased.
// Erased identifiers are accepted before the furthest of those horizons, never later than the
// shortest retention allowed (one month).
void set_erasure_horizon(ChainReport& report, const std::vector<Checkpoint>& checkpoints, std::int64_t now, std::int64_t retention_months) {
    report.retention_months = retention_months;
    std::int64_t erasable_before = std::numeric_limits<std::int64_t>::min();
    for (const Checkpoint& c : checkpoints) {
        if (c.reason != CheckpointReason::purge) continue;
        if (c.retention_months) report.retention_months = *c.retention_months;
        if (c.erased_before) erasable_before = std::max(erasable_before, *c.erased_before);
    }
    erasable_before = std::max(erasable_before, retention_horizon(now, report.retention_months));
    report.erasable_before = std::min(erasable_before, retention_horizon(now, 1));
}

// What is wrong with one row read in order after `previous`, before the checkpoints are looked at.
ChainProblem row_problem(const VisitRow& row, std::int64_t expected_id, const Hash256& previous, std::int64_t erasable_before) {
    static const Hash256 no_identifiers = personal_digest(std::nullopt, std::nullopt);
    const bool erased = !row.pass_id && !row.visitor_key;
    if (row.id != expected_id) return ChainProblem::missing_row;
    if (row.previous_hash != previous) return ChainProblem::previous_hash;
    if (!erased && row.personal_digest != personal_digest(row.pass_id, row.visitor_key)) return ChainProblem::personal_data_altered;
    if (row.hash != row_hash(row)) return ChainProblem::row_altered;
    // A declared visitor's row never had identifiers; any other row may lose them only to the purge.
    if (erased && row.personal_digest != no_identifiers && row.occurred_at >= erasable_before) return ChainProblem::erased_too_early;
    return ChainProblem::none;
}

}  // namespace

ChainReport Ledger::verify_chain() const { return verify_chain(unix_now(), Config{}.retention_months); }

ChainReport Ledger::verify_chain(std::int64_t now, std::int64_t retention_months, const std::optional<Checkpoint>& noted) const {
    std::lock_guard lock(reader_.mutex);
    Database& db = reader_.db;
    // One snapshot: a checkpoint stored while we read must not look longer than the rows we read.
    Transaction snapshot(db, "BEGIN");
    std::vector<Checkpoint> checkpoints = read_checkpoints(db);
    ChainReport report;
    if (!checkpoints.empty()) report.checkpoint = checkpoints.back();
    set_erasure_horizon(report, checkpoints, now, retention_months);

    if (noted) checkpoints.push_back(*noted);
    std::stable_sort(checkpoints.begin(), checkpoints.end(), [](const Checkpoint& a, const Checkpoint& b) { return a.rows < b.rows; });
    auto next_checkpoint = std::find_if(checkpoints.begin(), checkpoints.end(), [](const Checkpoint& c) { return c.rows > 0; });

    auto s = db.prepare((std::string(rows::kSelectRow) + " ORDER BY id").c_str());
    Hash256 previous{};
    for (std::int64_t expected_id = 1; s.step(); ++expected_id) {
        const VisitRow row = rows::read_row(s);
        ++report.rows;
        ChainProblem problem = row_problem(row, expected_id, previous, report.erasable_before);
        for (; problem == ChainProblem::none && next_checkpoint != checkpoints.end() && next_checkpoint->rows == row.id; ++next_checkpoint)
            if (next_checkpoint->head != row.hash) {
                problem = ChainProblem::head_mismatch;
                report.checkpoint = *next_checkpoint;
            }
        if (problem != ChainProblem::none) {
            report.problem = problem;
            report.first_bad_id = row.id;
            report.occurred_at = row.occurred_at;
            report.head = previous;
            return report;
        }
        previous = row.hash;
    }
    report.head = previous;
    if (next_checkpoint != checkpoints.end()) {
        report.problem = ChainProblem::truncated;
        report.checkpoint = checkpoints.back();  // the longest
    }
    return report;
}

PurgeResult Ledger::purge_personal_data(std::int64_t now, std::int64_t retention_months) {
    const std::int64_t before = retention_horizon(now, retention_months);
    std::lock_guard lock(side_.mutex);
    Database& db = side_.db;
    Transaction transaction(db, "BEGIN IMMEDIATE");
    PurgeResult result;
    {
        auto s = db.prepare(
            "UPDATE visits SET pass_id = NULL, visitor_key = NULL WHERE occurred_at < ?1 AND (pass_id IS NOT NULL OR "
            "visitor_key IS NOT NULL)");
        s.bind(1, before);
        s.step();
        result.erased = db.changes();
    }
    // The horizon and retention go with the purge, so the verification knows what it may have erased.
    result.checkpoint = rows::head_on(db);
    result.checkpoint.at = now;
    result.checkpoint.reason = CheckpointReason::purge;
    result.checkpoint.erased_before = before;
    result.checkpoint.retention_months = retention_months;
    insert_checkpoint(db, result.checkpoint);
    transaction.commit();
    return result;
}

std::optional<Checkpoint> Ledger::record_checkpoint(CheckpointReason reason, std::int64_t now) {
    std::lock_guard lock(side_.mutex);
    Database& db = side_.db;
    Transaction transaction(db, "BEGIN IMMEDIATE");
    Checkpoint c = rows::head_on(db);
    c.at = now;
    c.reason = reason;
    std::int64_t longest = 0;
    {
        auto s = db.prepare("SELECT COALESCE(MAX(row_count), 0) FROM checkpoints");
        s.step();
        longest = s.integer(0);
    }
    // Nothing new (or a chain shorter than recorded, which verification reports): store nothing.
    if (c.rows <= longest) return std::nullopt;
    insert_checkpoint(db, c);
    transaction.commit();
    return c;
}

std::int64_t retention_horizon(std::int64_t now, std::int64_t retention_months) { return now - retention_months * 30 * kSecondsPerDay; }

std::string format_head(std::int64_t rows, const Hash256& head) { return std::to_string(rows) + ":" + to_hex(head); }

std::optional<Checkpoint> parse_head(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 18) return std::nullopt;
    Checkpoint c;
    c.reason = CheckpointReason::noted;
    for (const char ch : text.substr(0, colon)) {
        if (ch < '0' || ch > '9') return std::nullopt;
        c.rows = c.rows * 10 + (ch - '0');
    }
    const std::string_view hex = text.substr(colon + 1);
    if (hex.size() != 64) return std::nullopt;
    const auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    std::copy(bytes->begin(), bytes->end(), c.head.begin());
    return c;
}

std::string describe(const ChainReport& r) {
    const auto checkpoint_text = [&r] {
        if (!r.checkpoint) return std::string();
        const Checkpoint& c = *r.checkpoint;
        if (c.reason == CheckpointReason::noted) return tr("la tête notée", "the noted head");
        const std::string when = format_instant(c.at);
        switch (c.reason) {
            case CheckpointReason::purge: return tr("la purge du ", "the purge of ") + when;
            case CheckpointReason::shutdown: return tr("l'arrêt du ", "the shutdown of ") + when;
            default: return tr("le point de contrôle du ", "the checkpoint of ") + when;
        }
    };
    switch (r.problem) {
        case ChainProblem::none: return tr("chaîne intacte", "chain intact");
        case ChainProblem::missing_row: return tr("ligne manquante avant celle-ci", "missing row before this one");
        case ChainProblem::previous_hash:
            return tr("previous_hash ne correspond pas à la ligne précédente", "previous_hash does not match the row before");
        case ChainProblem::personal_data_altered:
            return tr("numéro de pass ou clé de visiteur modifié", "pass id or visitor key altered");
        case ChainProblem::row_altered: return tr("ligne modifiée", "row altered");
        case ChainProblem::erased_too_early:
            return tr("identifiants effacés d'une visite du ", "identifiers erased from a visit of ") + format_instant(r.occurred_at.value_or(0)) +
                   tr(", plus récente que la durée de conservation (effacement permis avant le ",
                      ", younger than the retention period (erasure allowed before ") +
                   format_instant(r.erasable_before) + ", " + std::to_string(r.retention_months) + tr(" mois)", " months)");
        case ChainProblem::truncated:
            return tr("lignes supprimées à la fin : ", "rows deleted at the end: ") + std::to_string(r.rows) +
                   tr(" ligne(s), alors que ", " row(s), while ") + checkpoint_text() + tr(" en comptait ", " counted ") +
                   std::to_string(r.checkpoint ? r.checkpoint->rows : 0);
        case ChainProblem::head_mismatch:
            return tr("cette ligne n'a plus le hachage enregistré par ", "this row no longer has the hash recorded by ") + checkpoint_text() +
                   tr(" : la chaîne a été réécrite jusqu'ici", ": the chain was rewritten up to here");
    }
    return {};
}

}  // namespace passkoop::server
