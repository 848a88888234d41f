#!/usr/bin/env python3
"""ns_server.py - tests/net/fault_server.py's HTTPS server, bound to an
address of a test namespace instead of 127.0.0.1.

fault_server.py only ever binds 127.0.0.1 (and is not ours to change);
this takes its request handling as it is (the same paths: /ok, /chunked,
/cut/N, /page1, ...) and runs its own accept loop on --bind, which must be
an address of the network namespace this runs in (lwip_test.sh starts it
with `ip netns exec`). Bounded: exits after --lifetime seconds, and every
connection is bounded by fault_server's own limits.

    ns_server.py --bind IP --cert C --key K --catalogue FILE [--port 0]
                 [--dns-name NAME]
prints "port N" on stdout once listening.

--dns-name also answers DNS queries on IP port 53 (UDP): an A record of
NAME is IP, any other name is NXDOMAIN. Enough for lwIP's resolver.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True  # nothing written into tests/net/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "net"))
import fault_server  # noqa: E402


def dns_answer(query, name, ip):
    """The response to one DNS query (bytes), or None to ignore it."""
    if len(query) < 12:
        return None
    qid, flags, qd = query[0:2], query[2:4], int.from_bytes(query[4:6], "big")
    if flags[0] & 0x80 or qd != 1:
        return None
    i, labels = 12, []
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    question = query[12:i + 5]
    qtype = int.from_bytes(query[i + 1:i + 3], "big")
    rd = flags[0] & 0x01
    if ".".join(labels) == name.lower() and qtype == 1:
        answer = (b"\xc0\x0c" + (1).to_bytes(2, "big") + (1).to_bytes(2, "big")
                  + (60).to_bytes(4, "big") + (4).to_bytes(2, "big")
                  + socket.inet_aton(ip))
        head = qid + bytes([0x84 | rd, 0x80]) + b"\0\1\0\1\0\0\0\0"
        return head + question + answer
    rcode = 0 if ".".join(labels) == name.lower() else 3  # NODATA / NXDOMAIN
    return qid + bytes([0x84 | rd, 0x80 | rcode]) + b"\0\1\0\0\0\0\0\0" + question


def dns_loop(bind, name, end):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 53))
    s.settimeout(1)
    while time.time() < end:
        try:
            q, peer = s.recvfrom(512)
        except socket.timeout:
            continue
        r = dns_answer(q, name, bind)
        if r is not None:
            s.sendto(r, peer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=int, default=300,
                    help="exit after this many seconds")
    ap.add_argument("--dns-name", help="answer DNS for this name on port 53")
    a = ap.parse_args()
    if a.bind.startswith("127.") or a.bind in ("0.0.0.0", ""):
        sys.exit("ns_server: --bind must be a test host's address in a "
                 "namespace, not %r" % a.bind)
    with open(a.catalogue, "rb") as f:
        fault_server.CATALOGUE = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.bind, a.port))
    srv.listen(16)
    port = srv.getsockname()[1]
    end = time.time() + a.lifetime
    if a.dns_name:
        threading.Thread(target=dns_loop, args=(a.bind, a.dns_name, end),
                         daemon=True).start()
    print("port %d" % port, flush=True)
    srv.settimeout(1)
    while time.time() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=fault_server.serve, args=(conn, ctx, port),
                         daemon=True).start()
    sys.exit(0)


if __name__ == "__main__":
    main()
