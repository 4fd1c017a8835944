#!/usr/bin/env bash
# Soak test: passkoopd under steady mixed load for MINUTES (default 10), 127.0.0.1 only. Builds nothing.
#
#   bench/soak.sh [BUILD_DIR]        (as for load.sh: -DPASSKOOP_BUILD_BENCH=ON, Release, targets
#                                     passkoopd passkoop-bare-verify-server passkoop-load-fixture)
#
# In a temporary directory: the load.sh fixture (130 coops, 100,000 revocations, 1000 members' passes
# and one more member's pass), a cashier token, `passkoopd serve --coop 7`. Then, in slices of SLICE
# seconds until MINUTES have passed, two wrk side by side (CONNECTIONS / 2 connections, one thread
# each): POST /v1/verify and durable POST /v1/visits (a unique idempotency key per request), both
# cycling through the 1000 members, with every FREQUENT_EVERY-th request of each thread the one very
# frequent visitor (bench/soak.lua). After each slice one line goes to SOAK_TSV: requests/s, p50 and
# p99 of each kind, error answers (non-2xx and socket errors), passkoopd's VmRSS, its CPU per request
# and the load average. At the end passkoopd is stopped with SIGTERM and the ledger is checked
# (acknowledged visits <= rows, `passkoopd ledger verify`).
#
# "RSS flat after warm-up": the largest VmRSS of the last minute is at most RSS_SLACK_MB (default 2)
# above the largest of the first minute after WARMUP seconds (default 60). By then the caches that
# may grow are full: SQLite's page caches are bounded (3 connections, 2 MB each by default) and the
# ledger outgrows them within the first minute; the revocation set and the registry are loaded at
# start. Over the ~8 minutes between those two minutes this machine answers well over a million
# requests (about 3,000/s), so 2 MB is under 2 bytes per request: any leak tied to requests shows.
#
# Exit status 0 when there was no error answer, RSS stayed flat and the ledger is intact.
# Every process it starts is stopped on exit.
#
# Settings (environment): MINUTES=10 SLICE=10 WARMUP=60 RSS_SLACK_MB=2 CONNECTIONS=64
#   FREQUENT_EVERY=20 MEMBERS=1000 SOAK_TSV=bench/soak.tsv KEEP=1 (keep the temporary directory)
set -euo pipefail

BUILD=${1:-build}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MINUTES=${MINUTES:-10}
SLICE=${SLICE:-10}
WARMUP=${WARMUP:-60}
RSS_SLACK_MB=${RSS_SLACK_MB:-2}
FREQUENT_EVERY=${FREQUENT_EVERY:-20}
MEMBERS=${MEMBERS:-1000}
SOAK_TSV=${SOAK_TSV:-$HERE/soak.tsv}
bench_require wrk sqlite3 timeout
if ((MINUTES * 60 < WARMUP + 120)); then
    echo "soak.sh: MINUTES must leave at least 2 minutes after the WARMUP seconds" >&2
    exit 2
fi

bench_init soak
echo "== fixture (in $WORK)"
make_fixture --members "$MEMBERS"
start_passkoopd
echo "passkoopd on $SERVER (pid $SERVER_PID)"

export PASS_FILE=$WORK/passes.txt FREQUENT_FILE=$WORK/pass.txt FREQUENT_EVERY
half=$(( CONNECTIONS / 2 > 0 ? CONNECTIONS / 2 : 1 ))
# One wrk of one kind for one slice; prints its RESULT line.
soak_wrk() {
    local mode=$1 slice=$2
    MODE=$mode RUN_ID="soak-$$-$slice" timeout $((SLICE + 60)) wrk -t1 -c"$half" -d"${SLICE}s" --timeout 10s \
        --latency -s "$HERE/soak.lua" "http://$SERVER" > "$WORK/wrk-$mode.txt" 2>&1 \
        || { cat "$WORK/wrk-$mode.txt" >&2; return 1; }
    grep -m1 '^RESULT ' "$WORK/wrk-$mode.txt"
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "# bench/soak.sh, $started: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), load average at start $load_start"
    echo "# MINUTES=$MINUTES SLICE=$SLICE WARMUP=$WARMUP RSS_SLACK_MB=$RSS_SLACK_MB CONNECTIONS=$CONNECTIONS FREQUENT_EVERY=$FREQUENT_EVERY MEMBERS=$MEMBERS"
    printf 't_s\tverify_rps\tverify_p50_ms\tverify_p99_ms\tvisits_rps\tvisits_p50_ms\tvisits_p99_ms\terrors\trss_kB\tcpu_us_per_request\tload1\n'
} > "$SOAK_TSV"

echo "== soak: $MINUTES min in ${SLICE}-s slices, verify and visits side by side, $half connections each"
begin=$SECONDS slice=0 verify_total=0 visits_ok=0 errors_total=0
while ((SECONDS - begin < MINUTES * 60)); do
    slice=$((slice + 1))
    c0=$(cpu_us "$SERVER_PID")
    soak_wrk verify "$slice" > "$WORK/result-verify" &
    verify_job=$!
    visits=$(soak_wrk visit "$slice")
    wait "$verify_job"
    verify=$(cat "$WORK/result-verify")
    c1=$(cpu_us "$SERVER_PID")
    errors=$(( $(field "$verify" non2xx) + $(socket_errors "$verify") + $(field "$visits" non2xx) + $(socket_errors "$visits") ))
    answered=$(( $(field "$verify" requests) + $(field "$visits" requests) ))
    verify_total=$((verify_total + $(field "$verify" requests)))
    visits_ok=$((visits_ok + $(field "$visits" requests) - $(field "$visits" non2xx)))
    errors_total=$((errors_total + errors))
    read -r rss _ <<< "$(memory_of "$SERVER_PID")"
    printf '%d\t%.0f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%d\t%d\t%d\t%s\n' $((SECONDS - begin)) \
        "$(field "$verify" rps)" "$(field "$verify" p50_ms)" "$(field "$verify" p99_ms)" \
        "$(field "$visits" rps)" "$(field "$visits" p50_ms)" "$(field "$visits" p99_ms)" \
        "$errors" "$rss" $(( answered > 0 ? (c1 - c0) / answered : 0 )) "$(cut -d' ' -f1 /proc/loadavg)" \
        | tee -a "$SOAK_TSV"
done

echo "== stopping passkoopd (SIGTERM) and checking the ledger"
stop_process "$SERVER_PID"
ROWS=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM visits WHERE till = 'soak'")
CHAIN=$(timeout 300 "$PASSKOOPD" --lang en ledger verify --db "$DB" 2>&1 || true)
if ((visits_ok <= ROWS)) && [[ $CHAIN == "Chain intact"* ]]; then ledger=ok; else ledger=FAILED; fi

# ---- summary (also appended to the TSV as comments) ----
summary=$(awk -F'\t' -v warmup="$WARMUP" -v slack="$RSS_SLACK_MB" '
    /^#/ || $1 == "t_s" { next }
    { n++; t[n] = $1; vr[n] = $2; v99[n] = $4; wr[n] = $5; w99[n] = $7; rss[n] = $9; errors += $8 }
    END {
        last = t[n]
        for (i = 1; i <= n; i++) {
            if (t[i] > warmup && t[i] <= warmup + 60 && rss[i] > first) first = rss[i]
            if (t[i] > last - 60 && rss[i] > final) final = rss[i]
            if (t[i] > warmup && t[i] <= warmup + 60) { fv += vr[i]; fw += wr[i]; fn++ } else if (t[i] > last - 60) { lv += vr[i]; lw += wr[i]; ln++ }
            if (v99[i] > vmax) vmax = v99[i]; if (w99[i] > wmax) wmax = w99[i]
        }
        flat = final <= first + slack * 1024
        printf "slices %d over %d s; error answers %d\n", n, last, errors
        printf "verify requests/s: first minute %.0f, last minute %.0f; worst p99 of a slice %.1f ms\n", fv / fn, lv / ln, vmax
        printf "visits requests/s: first minute %.0f, last minute %.0f; worst p99 of a slice %.1f ms\n", fw / fn, lw / ln, wmax
        printf "RSS: max %.1f MB in the first minute after %d s of warm-up, max %.1f MB in the last minute: %s (flat = at most %d MB more)\n",
            first / 1024, warmup, final / 1024, flat ? "flat" : "NOT FLAT", slack
        exit !(flat && errors == 0)
    }' "$SOAK_TSV") && healthy=1 || healthy=0
summary+=$'\n'"ledger: $visits_ok visits acknowledged, $ROWS rows, ${CHAIN%%$'\n'*}: $ledger"
summary+=$'\n'"verify requests answered: $verify_total; load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/# /' <<< "$summary" >> "$SOAK_TSV"
echo
echo "== Summary (TSV: $SOAK_TSV)"
echo "$summary"
((healthy)) && [[ $ledger == ok ]]
