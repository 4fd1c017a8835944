#!/usr/bin/env bash
# Runs every command of the admins' handbook (docs/admins.md, docs/admins.en.md) as written: each
# ```sh block, every one of which must be marked "<!-- handbook test: NAME -->", in order, in one
# fresh folder, as the admins and the coops' volunteers of the handbook type them. Then checks what
# the shops see at the end of the story.
# Usage: handbook_test.sh PASSKOOP_BINARY HANDBOOK.md COOPS_DIRECTORY.json fr|en
set -euo pipefail
passkoop_bin=$(realpath "$1")
handbook=$(realpath "$2")
directory=$(realpath "$3")
source "$(dirname "${BASH_SOURCE[0]}")/doc_blocks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$passkoop_bin" "$work/bin/passkoop"
export PATH="$work/bin:$PATH" PASSKOOP_PASSPHRASE="phrase de passe de test" PASSKOOP_LANG="$4"
# The git mirror's commit, with the identity an admin's machine has.
export GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.org GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.org
cd "$work"
# The public map, where the handbook says it is.
cp "$directory" coops-directory.json

mapfile -t names < <(doc_block_names "$handbook" "handbook test")
blocks=$(doc_sh_block_count "$handbook")
[ "${#names[@]}" -gt 0 ] || { echo "no handbook test block in $handbook"; exit 1; }
[ "${#names[@]}" -eq "$blocks" ] || { echo "$handbook: ${#names[@]} marked blocks for $blocks sh blocks: every command must run"; exit 1; }
for name in "${names[@]}"; do
    script=$(doc_block "$handbook" "<!-- handbook test: $name -->")
    [ -n "$script" ] || { echo "handbook block $name is empty"; exit 1; }
    echo "=== handbook: $name"
    bash -euo pipefail -x -c "$script"
done

# The end of the story, as a till pinned on version 1 sees it through the chain of versions.
verdict() { passkoop verify --registry bundle-v6.json --pin registry-v1.json --json "$(cat "$1")" | tr -d ' \n' || true; }
verdict pass-camille.txt | grep -q '"code":"valid"'                   # key 1, retired: still valid
verdict pass-sam.txt | grep -q '"code":"key_compromised"'              # key 2, compromised: refused
passkoop issue --key lalouve-3.key --coop 62 --key-number 3 --member 4244 > pass-new.txt
verdict pass-new.txt | grep -q '"code":"valid"'                        # key 3: valid
passkoop registry show bundle-v6.json --brief > show.txt
grep -q "Dina" show.txt && ! grep -q "Bruno" show.txt
grep -q "version 6" show.txt
git -C miroir log --oneline | grep -q "Registre version 2"
grep -c '"type":"Feature"' coops.geojson | grep -qx 131
grep -q "HendayaKoop" annuaire.html
echo "handbook $(basename "$handbook"): ${#names[@]} blocks run: OK"
