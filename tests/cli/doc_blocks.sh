# Sourced by the tests that run a document's commands as written (the README's registry recipes,
# the admins' handbook): how a document marks its code blocks, and how to read them.
# A block to run is a ```sh fence right after a marker line "<!-- PREFIX: NAME -->".

# The code of the ```sh block that follows the line MARKER in FILE.
# Usage: doc_block FILE MARKER
doc_block() {
    awk -v marker="$2" '
        $0 == marker { found = 1; next }
        found && /^```sh$/ { inside = 1; next }
        inside && /^```$/ { exit }
        inside { print }' "$1"
}

# The NAMEs of the marker lines "<!-- PREFIX: NAME -->" of FILE, in order, one a line.
# Usage: doc_block_names FILE PREFIX
doc_block_names() {
    awk -v prefix="<!-- $2: " '
        index($0, prefix) == 1 && $0 ~ / -->$/ { print substr($0, length(prefix) + 1, length($0) - length(prefix) - 4) }' "$1"
}

# How many ```sh blocks FILE has, marked or not.
doc_sh_block_count() {
    grep -c '^```sh$' "$1" || true
}
