#!/bin/sh
# Every C file is as .clang-format says (clang-format --dry-run -Werror).
set -eu
cd "$1"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find app lib drivers tests tools -name '*.[ch]')
[ -n "$files" ] || { echo "FAIL: no C files found"; exit 1; }
clang-format --dry-run -Werror $files
echo "ok: $(echo "$files" | wc -l) files formatted"
