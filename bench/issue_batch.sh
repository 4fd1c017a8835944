#!/usr/bin/env bash
# Bulk issuing benchmark: an Odoo-style export of N members (10,000 by default) to signed
# passes, A4 PDF sheets, one PNG and one SVG per member, timed with /usr/bin/time -v.
#   bench/issue_batch.sh [BUILD_DIR] [MEMBERS]      (BUILD_DIR default build/)
set -euo pipefail
BUILD_DIR=${1:-build}
MEMBERS=${2:-10000}
PASSKOOP="$BUILD_DIR/tools/passkoop"
[ -x "$PASSKOOP" ] || { echo "no $PASSKOOP: build the passkoop-cli target first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Technical headers, ',' separator, names in both Odoo styles with accents, one line in 20
# not allowed to shop (suspended), one in 50 an associated person with their own barcode.
awk -v n="$MEMBERS" 'BEGIN {
  split("Marie Jean-Éric Léa Zoé Camille Inès Noël Maëlle François Anaïs", first, " ");
  split("DUPONT LEFÈVRE MARTIN BERNARD PETIT DURAND GARCIA ROUX FAURE MERCIER", last, " ");
  print "name,barcode_base,barcode,cooperative_state,shift_type,is_member,is_associated_people,parent_member_num";
  for (i = 1; i <= n; i++) {
    f = first[i % 10 + 1]; l = last[int(i / 10) % 10 + 1];
    name = (i % 3 == 0) ? f " " l : "\"" l ", " f "\"";
    state = (i % 20 == 0) ? "suspended" : "up_to_date";
    ean = sprintf("24%011d", i);
    if (i % 50 == 0) printf "%s,0,%s,,standard,False,True,%d\n", name, ean, i - 1;
    else printf "%s,%d,%s,%s,standard,True,False,\n", name, i, ean, state;
  }
}' > "$WORK/members.csv"

"$PASSKOOP" keygen --out "$WORK/coop.key" --no-passphrase > /dev/null 2>&1
echo "members: $MEMBERS ($(du -h "$WORK/members.csv" | cut -f1) of CSV), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v -o "$WORK/time.txt" "$PASSKOOP" issue-batch --key "$WORK/coop.key" --coop 62 --key-number 1 \
  --coop-name "La Louve" --csv "$WORK/members.csv" --out "$WORK/out" > "$WORK/summary.txt" || true
head -n 4 "$WORK/summary.txt"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU|User time|System time" "$WORK/time.txt" | sed 's/^\s*/  /'
echo "  output: $(ls "$WORK/out/png" | wc -l) PNG, $(ls "$WORK/out/svg" | wc -l) SVG, PDF $(du -h "$WORK/out/cartes.pdf" | cut -f1), PNG total $(du -sh "$WORK/out/png" | cut -f1), SVG total $(du -sh "$WORK/out/svg" | cut -f1)"
