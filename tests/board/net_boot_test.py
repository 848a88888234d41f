#!/usr/bin/env python3
"""net_boot_test.py - the net firmware (NET=1) boots in QEMU and its
network side starts on the target: lwIP up on the LAN9118 with a static
address, the baked root CAs parse into the TLS pool, a TCP connect through
lwIP's sockets on the one-thread sys_arch returns (fails: nobody answers)
instead of hanging, and om_refresh over TLS fails cleanly and keeps the
saved table. Also streams a catalogue into the full 512-model table
first, so all of it runs with the table, the TLS pool and lwIP's memory
in RAM together.

The NIC has no peer (-nic none): frames leave the LAN9118 and go nowhere,
so nothing outside QEMU is ever contacted (the fetch end to end, with a
server, is e2e_test.py).

    net_boot_test.py --fw build/qemu-mps2-an386/ormodels-net.elf
                     --work DIR --cas N [--catalogue FILE] [--timeout S]
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boot_test import PROMPT, catalogue_or_synthetic  # noqa: E402
from e2e_test import NetBoard  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fw", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cas", type=int, required=True)
    ap.add_argument("--catalogue")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    cat = catalogue_or_synthetic(a.catalogue, a.work, "net-boot-test")
    flash = os.path.join(a.work, "flash.bin")
    if os.path.exists(flash):
        os.remove(flash)
    checks = 0
    b = NetBoard(a.fw, flash, a.timeout, nic="none",
                 args=("feed=" + cat, "ip=10.0.2.15", "gw=10.0.2.2",
                       "dns=10.0.2.3"), life=int(a.timeout * 4))
    try:
        boot = b.expect(PROMPT)
        assert "net: lwIP up, LAN9118 e0, static address" in boot, boot
        checks += 1
        out = b.cmd("fetch")
        m = re.search(r"(\d+) models kept", out)
        assert m and "saved to flash" in out, out
        n = int(m.group(1))
        checks += 1
        out = b.cmd("tls")
        m = re.search(r"tls: (\d+) of (\d+) baked roots parsed, (\d+) skipped", out)
        assert m, out
        assert int(m.group(1)) == int(m.group(2)) == a.cas and m.group(3) == "0", out
        m = re.search(r"tls: pool (\d+) of (\d+) bytes in use", out)
        assert m and 0 < int(m.group(1)) < int(m.group(2)), out
        print("net-boot-test: %d roots parsed on target, pool %s of %s bytes"
              % (a.cas, m.group(1), m.group(2)))
        checks += 1
        out = b.cmd("net")
        assert "LAN9118 e0: link" in out and "ip 10.0.2.15/" in out, out
        checks += 1
        out = b.cmd("connect 10.0.2.2 443")
        m = re.search(r"connect: (\d+) ms", out)
        # a 2 s connect timeout: it must fail, not hang (emulated time)
        assert m and "connected" not in out and int(m.group(1)) <= 5000, out
        checks += 1
        out = b.cmd("update")
        assert "update: stale:" in out or "update: defaults:" in out, out
        assert "clock: unknown" in out, out
        checks += 1
        if n:
            out = b.cmd("list")
            assert "%d models" % n in out, "the saved table did not stay"
            checks += 1
        mem = b.cmd("mem")
        print("net-boot-test: " + mem.strip())
        b.send("quit")
        assert b.wait() == 0, "quit: QEMU exit status"
    finally:
        b.kill()
    print("net-boot-test: %d checks passed" % checks)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("net-boot-test: FAILED: %s" % e)
        sys.exit(1)
