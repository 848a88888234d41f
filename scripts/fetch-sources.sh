#!/bin/sh
# fetch-sources.sh - fetches the pinned Debian source packages of mbedTLS and
# lwIP into third_party/ (git-ignored) and unpacks them.
# Usage: scripts/fetch-sources.sh [mbedtls|lwip]...   (default: both)
#
# The machine's apt configuration is left alone: apt-get runs against a
# private sources file, an empty sourceparts dir, its own lists and cache
# under third_party/apt/. Does nothing for a package already unpacked.
# Needs dpkg-dev (dpkg-source unpacks) and installs it when missing.
set -eu

MBEDTLS_VER=3.6.6-0.1~deb13u1
LWIP_VER=2.2.1+dfsg1-1+deb13u1
SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

top=$(cd "$(dirname "$0")/.." && pwd)
tp=$top/third_party

# Upstream version without the Debian revision or epoch: the name of the
# folder dpkg-source unpacks into is PACKAGE-UPSTREAM.
upstream() { v=${1#*:}; echo "${v%-*}"; }

[ $# -gt 0 ] || set -- mbedtls lwip
for p in "$@"; do
    case "$p" in
    mbedtls | lwip) ;;
    *) echo "fetch-sources: unknown package '$p' (mbedtls, lwip)" >&2; exit 2 ;;
    esac
done

# Sets $want to PACKAGE=VERSION for each asked-for package not unpacked yet.
missing() {
    want=""
    for p in "$@"; do
        case "$p" in
        mbedtls) v=$MBEDTLS_VER ;;
        lwip) v=$LWIP_VER ;;
        esac
        [ -d "$tp/$p-$(upstream "$v")" ] || want="$want $p=$v"
    done
}

missing "$@"
[ -n "$want" ] || exit 0

# Two of us at once (make -j) would fight over apt's lists lock: take turns,
# then look again, as the other one may have done our work.
apt=$tp/apt
mkdir -p "$apt"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$apt/fetch.lock"
    flock 9
    missing "$@"
    [ -n "$want" ] || exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! command -v dpkg-source >/dev/null 2>&1; then
    echo "fetch-sources: installing dpkg-dev"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends dpkg-dev >/dev/null
fi

# The mirror this machine already uses for Debian itself (not -security).
mirror=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++)
                 if ($i !~ /security/) { print $i; exit } }' \
             /etc/apt/sources.list.d/debian.sources)
fi
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "$apt/sourceparts" "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb-src [signed-by=$KEYRING] $mirror $SUITE main" > "$apt/sources.list"

# As root apt drops to _apt for downloads; _apt may not reach the work tree,
# so download as root (the files are signature-checked either way).
sandbox=""
[ "$(id -u)" -ne 0 ] || sandbox="-o APT::Sandbox::User=root"
opts="-o Dir::Etc::SourceList=$apt/sources.list \
 -o Dir::Etc::SourceParts=$apt/sourceparts \
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache $sandbox"

# shellcheck disable=SC2086 # opts and want are word lists on purpose
apt-get -qq $opts update
cd "$tp"
# shellcheck disable=SC2086
apt-get -qq $opts source $want >apt/source.log 2>&1 || {
    cat apt/source.log >&2
    exit 1
}

for pv in $want; do
    p=${pv%%=*}
    d=$p-$(upstream "${pv#*=}")
    [ -d "$tp/$d" ] || { echo "fetch-sources: $d missing after apt-get source" >&2; exit 1; }
    echo "fetched $p ${pv#*=} -> third_party/$d"
done
