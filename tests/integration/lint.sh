#!/usr/bin/env bash
# Every C file in src/, tests/, bench/ and fuzz/ includes banned.h after its
# system headers, so banned libc calls fail to compile.
set -euo pipefail
cd "$SA_SOURCE_DIR"
bad=0
for f in $(git ls-files 'src/*.c' 'tests/*.c' 'bench/*.c' 'fuzz/*.c' 2>/dev/null || find src tests bench fuzz -name '*.c'); do
    if ! grep -q '#include "scaleadvisor/banned.h"' "$f"; then
        echo "lint: $f does not include scaleadvisor/banned.h" >&2
        bad=1
    fi
done
[ "$bad" = 0 ] && echo "lint: banned.h everywhere"
exit "$bad"
