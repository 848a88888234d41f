#!/bin/sh
# check-heap.sh - fails when any object file refers to the heap.
# Usage: check-heap.sh OBJECT...
# Reads the undefined symbols of each object (nm -u): a call to malloc,
# calloc, realloc, free, strdup, strndup, aligned_alloc or posix_memalign
# anywhere in src/ or port/ breaks the zero-allocation promise.
bad=0
for o in "$@"; do
    hits=$(nm -u "$o" | awk '{print $NF}' |
        grep -E '^(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|reallocarray)$')
    if [ -n "$hits" ]; then
        echo "heap use in $o: $hits"; bad=1
    fi
done
[ "$bad" -eq 0 ] || exit 1
echo "check-heap: $# objects, no malloc/calloc/realloc/free"
