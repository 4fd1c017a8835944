#!/usr/bin/env bash
# End-to-end demo of the passkoop command: three admins publish a registry together, two coops
# issue passes, a till checks them offline. Everything is written to ./passkoop-demo (or $1's
# sibling PASSKOOP_DEMO_DIR). Keys are unencrypted here: demo only.
set -euo pipefail

passkoop=$(realpath "${1:-passkoop}")
dir=${PASSKOOP_DEMO_DIR:-$PWD/passkoop-demo}
if [ -e "$dir" ] && [ ! -f "$dir/.passkoop-demo" ]; then
  echo "$dir exists and is not a Pass'Koop demo folder; set PASSKOOP_DEMO_DIR elsewhere" >&2
  exit 2
fi
rm -rf "$dir" && mkdir -p "$dir" && touch "$dir/.passkoop-demo" && cd "$dir"
step() { printf '\n== %s\n   %s\n' "$1" "$2"; }
pk() { echo "\$ passkoop $*"; "$passkoop" "$@"; }

step "1. Clés des admins et des coops (sans phrase de passe : démo)" "Admin and coop keys (no passphrase: demo only)"
mkdir -m 700 keys
for name in alice bruno chloe louve coopalim; do "$passkoop" keygen --out "keys/$name.key" --no-passphrase 2>/dev/null > "keys/$name.pub"; done
ls keys

step "2. Brouillon du registre : 3 admins, seuil 2, deux coops" "Registry draft: 3 admins, threshold 2, two coops"
pk registry init --out registry-v1.json --name Alice --coop 62 --key-file keys/alice.key
pk registry add-admin registry-v1.json --name Bruno --coop 52 --key-file keys/bruno.key
pk registry add-admin registry-v1.json --name Chloé --coop 59 --key-file keys/chloe.key --threshold 2
pk registry add-coop registry-v1.json --number 62 --name "La Louve" --city "Paris XVIIIème" --department 75 --latitude 48.89444 --longitude 2.35306
pk registry set-key registry-v1.json --coop 62 --key-number 1 --key-file keys/louve.key --not-before 2024-01-01 --not-after 2029-12-31
pk registry add-coop registry-v1.json --number 52 --name "Coopalim" --city "Strasbourg" --department 67 --stage 4
pk registry set-key registry-v1.json --coop 52 --key-number 1 --key-file keys/coopalim.key
pk registry set-policy registry-v1.json --coop 52 --max-visits 3 --note "3 achats d'essai"

step "3. Chaque admin signe chez soi, puis on fusionne" "Each admin signs on their own machine, then the signatures are merged"
cp registry-v1.json from-bruno.json
pk registry sign registry-v1.json --key keys/alice.key
pk registry sign from-bruno.json --key keys/bruno.key
pk registry sign registry-v1.json --merge from-bruno.json
pk registry verify registry-v1.json

step "4. Passes émis par La Louve ; une carte perdue est révoquée" "Passes issued by La Louve; a lost card is revoked"
good=$("$passkoop" issue --key keys/louve.key --coop 62 --key-number 1 --member 4242 --name "Camille D.")
lost=$("$passkoop" issue --key keys/louve.key --coop 62 --key-number 1 --member 1789 --name "Perdue P.")
old=$("$passkoop" issue --key keys/louve.key --coop 62 --key-number 1 --member 1234 --issued 2025-01-01 --until 2025-12-31)
pk revoke --key keys/louve.key --coop 62 --list revocations-62.json --pass "$lost"
pk registry bundle --registry registry-v1.json --revocations revocations-62.json --out bundle.json
printf '%s\n' "$good" > pass-valide.txt

step "5. En caisse, hors ligne" "At the till, offline"
check() { echo "-- $1"; "$passkoop" verify --registry bundle.json "$2" 2>/dev/null || true; }
check "pass valide / valid pass" "$good"
azerty=$(printf '%s' "$good" | sed 's/0/à/g; s/1/\&/g; s/2/é/g; s/3/"/g; s/4/'"'"'/g; s/5/(/g; s/6/-/g; s/7/è/g; s/8/_/g; s/9/ç/g')
check "lecteur en QWERTY sur un poste AZERTY / scanner on the wrong layout" "$azerty"
check "carte perdue / lost card" "$lost"
check "pass expiré / expired pass" "$old"
check "pass abîmé / damaged pass" "${good:0:150}"

step "Fichiers de la démo" "Demo files"
echo "$dir"
echo "Essayez / try:  $passkoop verify --registry $dir/bundle.json --json \"\$(cat $dir/pass-valide.txt)\""
