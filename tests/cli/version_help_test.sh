#!/usr/bin/env bash
# passkoop and passkoopd: --version prints the project version; every passkoopd command has --help.
# Usage: version_help_test.sh PASSKOOP PASSKOOPD VERSION
set -euo pipefail
passkoop=$1 passkoopd=$2 version=$3
export PASSKOOP_LANG=fr
[ "$("$passkoop" --version)" = "passkoop $version" ]
[ "$("$passkoopd" --version)" = "passkoopd $version" ]
for command in serve demo token ledger backup; do
    out=$("$passkoopd" "$command" --no-such-option --help)
    [[ "$out" == "passkoopd $command "* ]] || { echo "passkoopd $command --help: $out"; exit 1; }
done
"$passkoopd" serve --help | grep -q -- "--grace-days"
"$passkoopd" --lang=en token --help | grep -q "prints the token once"
"$passkoopd" --lang en --help | grep -q "A command's help"
# Unknown options are still refused, with the same message as passkoop's.
if err=$("$passkoopd" backup --db x.db --out y.db --no-such-option 2>&1); then exit 1; fi
[[ "$err" == *"option inconnue : --no-such-option"* ]]
if err=$("$passkoopd" --lang de --help 2>&1); then exit 1; fi
[[ "$err" == *"fr or en"* ]]
echo "version and help: OK"
