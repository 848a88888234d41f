#!/usr/bin/env python3
"""e2e_server.py - the network the board's end-to-end test puts behind
its TAP device: an HTTPS server (with a Date header, as real servers
send), a DNS responder and a DHCP server, all bound to an address of the
network namespace e2e_test.py creates and runs this in.

    e2e_server.py --bind IP --cert C --key K --catalogue FILE
                  [--dns-name NAME] [--dhcp-offer IP --dhcp-if IF]
                  [--lifetime S]
prints "port N" on stdout once listening.

Paths: /ok the catalogue with Content-Length; /cut/N the response cut
after N bytes (TCP FIN without TLS close_notify). --dns-name answers A
queries for NAME with IP (tests/lwip/ns_server.py's responder), NXDOMAIN
for anything else. --dhcp-offer hands that address out (mask /24, router
and DNS server IP) on --dhcp-if. Bounded: exits after --lifetime seconds.
"""
import argparse
import email.utils
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lwip"))
from ns_server import dns_loop  # noqa: E402

CATALOGUE = b""
MAX_CONN_SECONDS = 400  # a 1.3 MB body at the emulated CPU's pace


def response(body):
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nDate: %s\r\nConnection: close\r\n\r\n"
            % (len(body), email.utils.formatdate(usegmt=True)))
    return head.encode() + body


def handle(tls):
    deadline = time.time() + MAX_CONN_SECONDS
    tls.settimeout(30)
    req = b""
    while b"\r\n\r\n" not in req and len(req) < 65536:
        chunk = tls.recv(4096)
        if not chunk:
            return
        req += chunk
    line = req.split(b"\r\n", 1)[0].decode("latin-1")
    path = line.split(" ")[1] if " " in line else "/"
    data = response(CATALOGUE)
    if path.startswith("/cut/"):
        data = data[:int(path[5:])]
    elif path != "/ok":
        data = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    view = memoryview(data)
    while view and time.time() < deadline:
        n = tls.send(view[:16384])
        view = view[n:]
    if path.startswith("/cut/"):
        return  # close() without unwrap(): FIN, no close_notify
    try:
        tls.unwrap()  # close_notify: the body is complete
    except (ssl.SSLError, OSError):
        pass


def serve(conn, ctx):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # a client that refused our certificate
        return
    try:
        handle(tls)
    except (ssl.SSLError, OSError, ValueError):
        pass
    finally:
        try:
            tls.close()
        except OSError:
            pass


def dhcp_reply(req, server, offer):
    """DHCPOFFER for a DISCOVER, DHCPACK for a REQUEST (RFC 2131), else
    None."""
    if len(req) < 240 or req[0] != 1 or req[236:240] != b"\x63\x82\x53\x63":
        return None
    opts, i, mtype = req[240:], 0, None
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        if opts[i] == 53 and i + 2 < len(opts):
            mtype = opts[i + 2]
        i += 2 + opts[i + 1]
    kind = {1: 2, 3: 5}.get(mtype)  # DISCOVER -> OFFER, REQUEST -> ACK
    if kind is None:
        return None
    ip, sv = socket.inet_aton(offer), socket.inet_aton(server)
    out = bytearray(240)
    out[0:4] = b"\x02\x01\x06\x00"        # BOOTREPLY, Ethernet
    out[4:8] = req[4:8]                   # xid
    out[10:12] = req[10:12]               # flags
    out[16:20] = ip                       # yiaddr
    out[20:24] = sv                       # siaddr
    out[28:44] = req[28:44]               # chaddr
    out[236:240] = b"\x63\x82\x53\x63"
    out += bytes([53, 1, kind, 54, 4]) + sv
    out += bytes([51, 4]) + struct.pack("!I", 3600)
    out += bytes([1, 4]) + socket.inet_aton("255.255.255.0")
    out += bytes([3, 4]) + sv + bytes([6, 4]) + sv + bytes([255])
    return bytes(out)


def dhcp_loop(server, offer, ifname, end):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.bind(("0.0.0.0", 67))
    s.settimeout(1)
    while time.time() < end:
        try:
            q, _ = s.recvfrom(1500)
        except socket.timeout:
            continue
        r = dhcp_reply(q, server, offer)
        if r is not None:
            s.sendto(r, ("255.255.255.255", 68))


def main():
    global CATALOGUE
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--dns-name")
    ap.add_argument("--dhcp-offer")
    ap.add_argument("--dhcp-if")
    ap.add_argument("--lifetime", type=int, default=900)
    a = ap.parse_args()
    if a.bind.startswith("127.") or a.bind in ("0.0.0.0", ""):
        sys.exit("e2e_server: --bind must be an address in the test's "
                 "namespace, not %r" % a.bind)
    with open(a.catalogue, "rb") as f:
        CATALOGUE = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.bind, 0))
    srv.listen(8)
    end = time.time() + a.lifetime
    if a.dns_name:
        threading.Thread(target=dns_loop, args=(a.bind, a.dns_name, end),
                         daemon=True).start()
    if a.dhcp_offer:
        threading.Thread(target=dhcp_loop, args=(a.bind, a.dhcp_offer,
                         a.dhcp_if, end), daemon=True).start()
    print("port %d" % srv.getsockname()[1], flush=True)
    srv.settimeout(1)
    while time.time() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
