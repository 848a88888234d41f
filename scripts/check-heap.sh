#!/bin/sh
# check-heap.sh - fails when any object file refers to the heap.
# Usage: check-heap.sh OBJECT...
# Reads the undefined symbols of each object (nm -u): a call to malloc,
# calloc, realloc, free, strdup, strndup, aligned_alloc or posix_memalign
# anywhere in src/ or port/ breaks the zero-allocation promise.
[ "$#" -gt 0 ] || { echo "check-heap: no objects given"; exit 1; }
bad=0
for o in "$@"; do
    syms=$(nm -u "$o") || { echo "check-heap: nm failed on $o"; exit 1; }
    hits=$(echo "$syms" | awk '{print $NF}' |
        grep -E '^(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|reallocarray)$')
    if [ -n "$hits" ]; then
        echo "heap use in $o: $hits"; bad=1
    fi
done
[ "$bad" -eq 0 ] || exit 1
echo "check-heap: $# objects, no malloc/calloc/realloc/free"
