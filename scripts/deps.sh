#!/bin/sh
# deps.sh - installs the Debian packages ormodels needs that are missing.
# Usage: scripts/deps.sh [GROUP...]   groups: base (default), net, board,
#        fuzz, browser
# Uses apt-get, through sudo when not root. Quiet when all is present.
set -eu

pkgs_for() {
    case "$1" in
    base) echo "build-essential libjsmn-dev libcmocka-dev python3 valgrind" ;;
    net) echo "dpkg-dev debian-archive-keyring openssl ca-certificates nginx-light curl iproute2 time" ;;
    board) echo "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf iproute2 python3-cryptography" ;;
    fuzz) echo "clang libclang-rt-dev" ;;
    browser) echo "chromium nodejs" ;;
    *) echo "deps.sh: unknown group '$1' (base, net, board, fuzz, browser)" >&2; exit 2 ;;
    esac
}

[ $# -gt 0 ] || set -- base
want=""
for g in "$@"; do want="$want $(pkgs_for "$g")"; done

missing=""
for p in $want; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
