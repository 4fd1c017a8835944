#!/usr/bin/env bash
# Runs the README's registry recipes (the blocks after "<!-- README test: NAME -->") exactly as
# written, one after the other in a fresh directory, then checks what they made.
# Usage: readme_registry_test.sh PASSKOOP_BINARY README.md
set -euo pipefail
passkoop_bin=$(realpath "$1")
readme=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$passkoop_bin" "$work/bin/passkoop"
export PATH="$work/bin:$PATH" PASSKOOP_PASSPHRASE="phrase de passe de test" PASSKOOP_LANG=fr
cd "$work"

# The code block that follows the marker line.
source "$(dirname "${BASH_SOURCE[0]}")/doc_blocks.sh"
block() { doc_block "$readme" "<!-- README test: $1 -->"; }

# What the volunteer of La Louve sent (the README's volunteer section).
passkoop keygen --out lalouve.key --no-passphrase > lalouve.pub 2>/dev/null

for name in first-version renewal; do
    script=$(block "$name")
    [ -n "$script" ] || { echo "README block $name not found"; exit 1; }
    echo "=== README: $name"
    bash -euo pipefail -x -c "$script"
done

# The renewed bundle is version 2, valid 180 days, and a till pinned on version 1 accepts it.
passkoop registry show bundle-v2.json --brief | tee show.txt
grep -q "Registre Pass'Koop — version 2" show.txt
grep -q "validité : 180 jours ; tolérance des caisses après expiration : 90 jours" show.txt
pass=$(passkoop issue --key lalouve.key --coop 62 --key-number 1 --member 4242 --name "Camille D.")
passkoop verify --registry bundle-v2.json --pin registry-v1.json "$pass" | tee verify.txt
grep -q "^OUI  Pass valide" verify.txt
passkoop registry diff registry-v1.json registry-v2.json | tee diff.txt
[ "$(wc -l < diff.txt)" -eq 2 ] && grep -q "^version 1 → 2$" diff.txt
echo "README registry recipes: OK"
