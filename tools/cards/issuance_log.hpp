// The issuance log a coop keeps beside its cards: one CSV row per card ever issued, so that
// cards can be revoked by member number later and a card sequence is never used twice.
//   member,sequence,pass_id,issued,expiry,name,revoked,reason
// `issued`, `expiry` and `revoked` are YYYY-MM-DD; `reason` is "lost", "departed" (by
// `passkoop revoke`) or "failed" (signed, but its image could not be written: never handed out).
// A name that starts like a spreadsheet formula (= + - @) is written with a ' in front, inside
// its quotes, and read back without it.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace passkoop::cards {

inline constexpr std::size_t kMaxLogBytes = 256 * 1024 * 1024;
inline constexpr const char* kIssuanceLogName = "issuance-log.csv";

struct IssuedCard {
    std::uint64_t member = 0;
    int sequence = 0;  // 0..255
    std::string pass_id;  // 16 hex digits
    std::int64_t issued_day = 0, expiry_day = 0;
    std::string name;  // the display name on the card
    std::optional<std::int64_t> revoked_day;
    std::string reason;  // "lost", "departed" or "failed" when revoked
};

struct IssuanceLog {
    std::vector<IssuedCard> cards;  // in issue order

    // The member's card with the highest sequence, or null.
    const IssuedCard* latest(std::uint64_t member) const;
    IssuedCard* latest(std::uint64_t member) {
        return const_cast<IssuedCard*>(std::as_const(*this).latest(member));
    }
    // The sequence the member's next card must use: one more than any used, 0 for a first card.
    int next_sequence(std::uint64_t member) const;
};

// Strict: any row that does not read is an error (the log is ours; a damaged log must be seen).
[[nodiscard]] std::expected<IssuanceLog, std::string> parse_issuance_log(std::string_view text);
std::string issuance_log_text(const IssuanceLog& log);

}  // namespace passkoop::cards
