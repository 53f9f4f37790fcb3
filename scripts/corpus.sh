#!/usr/bin/env bash
# Writes the training corpus: the King James Bible from Debian's bible-kjv
# package (installed by scripts/setup.sh), tokenised once into a token file.
#   scripts/corpus.sh OUT.bin [--tokenizer DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: scripts/corpus.sh OUT.bin [--tokenizer DIR]"
out=${1:?$usage}
case $out in -*) echo "$usage" >&2; exit 2 ;; esac
shift
bin=${HRMC_BUILD_DIR:-$root/build}/bin
command -v bible >/dev/null || { echo "corpus: the bible command is missing; run scripts/setup.sh (package bible-kjv)" >&2; exit 1; }
text=${out%.bin}.txt
# Every verse from Genesis 1:1 to Revelation 22:21, one per line (4.4 MB).
bible -f "Gen1:1-Rev22:21" > "$text.tmp"
mv "$text.tmp" "$text"
"$bin/hrm-run" prepare-data "$text" -o "$out" "$@"
