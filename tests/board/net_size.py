#!/usr/bin/env python3
"""net_size.py - the whole net firmware (NET=1) against the board's budget:
flash (text + rodata + the .data image) and RAM (data + bss + stack) per
part, from the link map (what --gc-sections kept), and the big RAM items
from the symbol table.

    net_size.py --elf ELF --map MAP [--nm NM] [--size-tool SIZE]
                [--flash-max 262144] [--ram-max 131072] [--json OUT]
                [--check]

Parts: core (src/), flash store (port/flash), board (boards/), ports
(om_sock, om_tls, port/lwip), CAs (the baked roots), lwIP, Mbed TLS, libc
(newlib-nano, libgcc). --check exits 1 when flash or RAM is over.
"""
import argparse
import json
import re
import subprocess
import sys

PARTS = ["core", "flash store", "board", "ports", "CAs", "lwIP", "Mbed TLS",
         "libc"]


def part_of(src):
    if "libmbedtls_om.a(" in src:
        return "Mbed TLS"
    if "/net/lwip/" in src:
        return "lwIP"
    if ".a(" in src:
        return "libc"
    if src.endswith("om_cas.o"):
        return "CAs"
    if "/obj/src/" in src:
        return "core"
    if "/obj/port/flash/" in src:
        return "flash store"
    if "/obj/port/" in src:
        return "ports"
    return "board"


def parse_map(path):
    sizes = {p: {"text": 0, "data": 0, "bss": 0} for p in PARTS}
    in_map, pending = False, None
    with open(path) as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            if line.startswith(".debug") or line.startswith(" .debug"):
                pending = None
                continue
            m = re.match(r"^ (\.\S+|COMMON)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and (m.group(1) or pending):
                name = m.group(1) or pending
                pending = None
                size, src = int(m.group(3), 16), m.group(4).strip()
                if size == 0 or not (src.endswith(".o") or src.endswith(")")):
                    continue
                kind = ("text" if re.match(r"\.(text|rodata|vectors|ARM)", name) else
                        "data" if re.match(r"\.data", name) else
                        "bss" if re.match(r"\.bss|COMMON", name) else None)
                if kind:
                    sizes[part_of(src)][kind] += size
            else:
                pending = None
    return sizes


def sections(size_tool, elf):
    out = subprocess.run([size_tool, "-A", elf], capture_output=True,
                         text=True, check=True).stdout
    s = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 2 and p[0].startswith(".") and p[1].isdigit():
            s[p[0]] = int(p[1])
    return s


def symbols(nm, elf):
    out = subprocess.run([nm, "-S", elf], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "bBdD":
            syms[p[3].split(".")[0]] = syms.get(p[3].split(".")[0], 0) + int(p[1], 16)
    return syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--nm", default="arm-none-eabi-nm")
    ap.add_argument("--size-tool", default="arm-none-eabi-size")
    ap.add_argument("--flash-max", type=int, default=262144)
    ap.add_argument("--ram-max", type=int, default=131072)
    ap.add_argument("--json")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()

    parts = parse_map(a.map)
    sec = sections(a.size_tool, a.elf)
    syms = symbols(a.nm, a.elf)
    flash = sum(sec.get(s, 0) for s in (".vectors", ".text", ".ARM.exidx", ".data"))
    data, bss, stack = sec.get(".data", 0), sec.get(".bss", 0), sec.get(".stack", 0)
    ram = data + bss + sec.get(".heap", 0) + stack
    lwip_ram = parts["lwIP"]["data"] + parts["lwIP"]["bss"]
    big = [("model table (512)", syms.get("table", 0)),
           ("TLS pool (om_tls)", syms.get("g_pool", 0)),
           ("lwIP heap + pools + state", lwip_ram),
           ("fetcher (extractor, I/O)", syms.get("fetcher", 0)),
           ("TLS context (om_tls_t)", syms.get("tls", 0)),
           ("stack", stack)]
    rest = ram - sum(v for _, v in big)

    print("net firmware %s (core + lwIP 2.2 + Mbed TLS 3.6 + baked CAs):" % a.elf)
    print("  %-14s %8s %8s %8s" % ("part", "flash", "data", "bss"))
    for p in PARTS:
        d = parts[p]
        print("  %-14s %8d %8d %8d" % (p, d["text"] + d["data"], d["data"], d["bss"]))
    print("  flash in all (text + rodata + .data image) %7d of %7d %s"
          % (flash, a.flash_max, "ok" if flash <= a.flash_max
             else "OVER by %d" % (flash - a.flash_max)))
    print("  RAM in all (data %d + bss %d + stack %d) %7d of %7d %s"
          % (data, bss, stack, ram, a.ram_max, "ok, %d free" % (a.ram_max - ram)
             if ram <= a.ram_max else "OVER by %d" % (ram - a.ram_max)))
    print("  RAM by item: " + ", ".join("%s %d" % kv for kv in big)
          + ", everything else %d" % rest)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"parts": parts, "flash": flash, "ram": ram,
                       "data": data, "bss": bss, "stack": stack,
                       "items": dict(big), "other": rest,
                       "flash_max": a.flash_max, "ram_max": a.ram_max}, f,
                      indent=1)
    if a.check and (flash > a.flash_max or ram > a.ram_max):
        sys.exit(1)


if __name__ == "__main__":
    main()
