#!/usr/bin/env python3
"""size_report.py - footprint of the core for one target, from a link map
and GCC's call-graph files (-fcallgraph-info=su).

    size_report.py --target NAME --map FILE --ci DIR [--root FN ...]
                   [--nm NM --elf ELF] [--json OUT]

Bytes are what the linker kept (--gc-sections), attributed by input file:
core = src/*.o, flash = port/flash, libc = archives (libc, libgcc),
probe/board = the rest. The stack depth of each root is the deepest chain
of frames in the call graph: own frame + deepest callee. Calls through a
callback (transport, store, console, writer) are counted as 0 and marked
"+cb": the port's callbacks add their own depth. Library functions are 0
and listed. Recursion is reported, never hidden. The core's own
callbacks are followed, not counted as 0: the HTTP parser hands the body
to the fetcher's on_body (and so to the extractor), the request writer
flushes through the fetcher's send_out (CORE_CALLBACKS below).
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys


def parse_map(path):
    sizes = {}
    in_map = False
    section = None
    pending = None
    with open(path) as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = re.match(r"^ (\.\S+|COMMON)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and (m.group(1) or pending):
                name = m.group(1) or pending
                pending = None
                size = int(m.group(3), 16)
                src = m.group(4).strip()
                if size == 0 or not (src.endswith(".o") or src.endswith(")")):
                    continue
                kind = ("text" if re.match(r"\.(text|rodata|srodata)", name) else
                        "data" if re.match(r"\.(s?data)", name) else
                        "bss" if re.match(r"\.(s?bss)|COMMON", name) else None)
                if kind is None:
                    continue
                if "/obj/src/" in src:
                    who = "core"
                elif "/obj/port/flash/" in src:
                    who = "flash"
                elif ".a(" in src:
                    who = "libc"
                else:
                    who = "other"
                d = sizes.setdefault(who, {"text": 0, "data": 0, "bss": 0})
                d[kind] += size
            else:
                pending = None
    return sizes


# Indirect calls from the core to the core: (caller, callee), by function
# name (a static function's node is "src/file.c:name").
CORE_CALLBACKS = [
    ("om_http.c:deliver", "om_fetch.c:on_body"),   # body bytes
    ("om_http.c:flush", "om_fetch.c:send_out"),    # the request going out
]


def add_core_callbacks(frames, edges):
    def find(name):
        f, fn = name.split(":")
        return [t for t in frames
                if t.split(":")[-1].split(".")[0] == fn
                and os.path.basename(t.split(":")[0]) == f]
    for caller, callee in CORE_CALLBACKS:
        srcs = [s for s in find(caller) if "__indirect_call" in edges.get(s, ())]
        dsts = find(callee)
        if not srcs or not dsts:
            # renamed, or inlined into another function: the walk would
            # silently leave the callback's depth out
            sys.exit("size_report: core callback %s -> %s not in the call "
                     "graph (renamed or inlined?): update CORE_CALLBACKS"
                     % (caller, callee))
        for src in srcs:
            for dst in dsts:
                edges.setdefault(src, set()).add(dst)


def parse_ci(ci_dir):
    frames, edges = {}, {}
    dynamic = set()
    for ci in glob.glob(os.path.join(ci_dir, "**", "*.ci"), recursive=True):
        with open(ci) as f:
            for line in f:
                m = re.match(r'node: \{ title: "([^"]+)" label: "([^"]*)"', line)
                if m:
                    t, label = m.group(1), m.group(2)
                    s = re.search(r"\\n(\d+) bytes \((\w+(?:,\w+)?)\)", label)
                    if s:
                        frames[t] = int(s.group(1))
                        if "dynamic" in s.group(2) and "bounded" not in s.group(2):
                            dynamic.add(t)
                    continue
                m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
                if m:
                    edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, edges, dynamic


def depth(root, frames, edges, dynamic):
    notes = {"cb": False, "lib": set(), "recursive": set(), "dynamic": set()}
    memo = {}

    def walk(fn, stack):
        if fn in memo:
            return memo[fn]
        if fn == "__indirect_call":
            notes["cb"] = True
            return 0, [fn]
        if fn not in frames:
            notes["lib"].add(fn)
            return 0, [fn]
        if fn in stack:
            notes["recursive"].add(fn)
            return 0, [fn]
        if fn in dynamic:
            notes["dynamic"].add(fn)
        best, path = 0, []
        for callee in sorted(edges.get(fn, ())):
            d, p = walk(callee, stack | {fn})
            if d > best:
                best, path = d, p
        memo[fn] = (frames[fn] + best, [fn] + path)
        return memo[fn]

    d, path = walk(root, frozenset())
    return d, path, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--ci", required=True)
    ap.add_argument("--root", action="append", default=[])
    ap.add_argument("--nm")
    ap.add_argument("--elf")
    ap.add_argument("--json")
    a = ap.parse_args()

    sizes = parse_map(a.map)
    frames, edges, dynamic = parse_ci(a.ci)
    if a.root:  # a stack walk: the core's callbacks must be found
        add_core_callbacks(frames, edges)
    core = sizes.get("core", {"text": 0, "data": 0, "bss": 0})
    libc = sizes.get("libc", {"text": 0, "data": 0, "bss": 0})
    out = {"target": a.target, "core": core, "libc": libc, "stack": {}}
    if a.nm and a.elf:
        syms = subprocess.run([a.nm, "-S", a.elf], capture_output=True,
                              text=True, check=True).stdout
        for line in syms.splitlines():
            p = line.split()
            if len(p) == 4 and p[3].startswith("om_probe_") and p[2] in "bBdD":
                out.setdefault("state", {})[p[3][9:]] = int(p[1], 16)
    print("%-10s core text %6d  data %4d  bss %4d   (libc/libgcc text %5d)"
          % (a.target, core["text"], core["data"], core["bss"], libc["text"]))
    for r in a.root:
        d, path, notes = depth(r, frames, edges, dynamic)
        out["stack"][r] = d
        extra = []
        if notes["cb"]:
            extra.append("+cb")
        if notes["recursive"]:
            extra.append("RECURSIVE: " + ",".join(sorted(notes["recursive"])))
        if notes["dynamic"]:
            extra.append("dynamic frames: " + ",".join(sorted(notes["dynamic"])))
        short = " > ".join(p.split(":")[-1] for p in path[:10])
        print("%-10s stack %-16s %5d bytes %s  [%s%s]"
              % ("", r, d, " ".join(extra), short,
                 " > ..." if len(path) > 10 else ""))
    if "state" in out:
        st = out["state"]
        print("%-10s state: table %d, fetcher %d (extractor inside), "
              "picker %d + idx %d" % ("", st.get("table", 0),
                                      st.get("fetcher", 0), st.get("picker", 0),
                                      st.get("idx", 0)))
        # The core's own RAM besides the table: its static data, the
        # caller-owned state of a path and that path's stack.
        static = core["data"] + core["bss"]
        ram = {}
        if "om_probe_fetch" in out["stack"]:
            ram["fetch"] = (static + st.get("fetcher", 0)
                            + out["stack"]["om_probe_fetch"])
            print("%-10s core RAM, fetch path: %d = static %d + fetcher %d "
                  "+ stack %d (table excluded)"
                  % ("", ram["fetch"], static, st.get("fetcher", 0),
                     out["stack"]["om_probe_fetch"]))
        if "om_probe_pick" in out["stack"]:
            ram["pick"] = (static + st.get("picker", 0) + st.get("idx", 0)
                           + out["stack"]["om_probe_pick"])
            print("%-10s core RAM, picker path: %d = static %d + picker %d "
                  "+ idx %d + stack %d"
                  % ("", ram["pick"], static, st.get("picker", 0),
                     st.get("idx", 0), out["stack"]["om_probe_pick"]))
        out["core_ram"] = ram
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
