#!/usr/bin/env python3
"""Fails when a test gains a fixed sleep over 200 ms.

A test waits by polling a condition or with the shifted clock; a fixed sleep makes the
suite slow on a fast machine and flaky on a slow one. The sleeps there are today are
listed, per file, in tools/fixed_sleeps.allow (the budget only shrinks: lower it when you
remove one). Counted: `sleep(Duration::from_millis(N))` with N > 200 and
`sleep(Duration::from_secs(N))`, in tests/ and in the crates' tests.

Usage: tools/fixed_sleeps.py            # check (CI)
       tools/fixed_sleeps.py --write    # rewrite the allowance from the tree
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW = ROOT / "tools" / "fixed_sleeps.allow"
SLEEP = re.compile(r"sleep\(\s*(?:std::time::)?Duration::from_(millis|secs)\(\s*([0-9_]+)\s*\)")


def counts():
    files = list((ROOT / "tests").rglob("*.rs"))
    files += [p for p in (ROOT / "crates").rglob("*.rs") if "/tests/" in p.as_posix() or p.name.endswith("tests.rs")]
    out = {}
    for p in sorted(files):
        n = 0
        for unit, value in SLEEP.findall(p.read_text()):
            ms = int(value.replace("_", "")) * (1000 if unit == "secs" else 1)
            if ms > 200:
                n += 1
        if n:
            out[p.relative_to(ROOT).as_posix()] = n
    return out


def main():
    now = counts()
    if "--write" in sys.argv:
        ALLOW.write_text("".join(f"{f} {n}\n" for f, n in sorted(now.items())))
        print(f"{sum(now.values())} fixed sleeps over 200 ms in {len(now)} files written to {ALLOW.name}")
        return 0
    allowed = {}
    for line in ALLOW.read_text().splitlines():
        if line.strip():
            f, n = line.rsplit(" ", 1)
            allowed[f] = int(n)
    bad = [(f, n, allowed.get(f, 0)) for f, n in now.items() if n > allowed.get(f, 0)]
    for f, n, a in bad:
        print(f"{f}: {n} fixed sleeps over 200 ms, {a} allowed: wait on a condition instead")
    if bad:
        return 1
    print(f"fixed sleeps over 200 ms: {sum(now.values())} (allowed {sum(allowed.values())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
