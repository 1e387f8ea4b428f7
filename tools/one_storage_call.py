#!/usr/bin/env python3
"""Fails when a handler holds a closure of more than one storage call.

A handler parses, authorizes, makes one storage call, and renders (docs/architecture.md,
"The path of an API write"): the unit of work it asks for is a named operation of
storage that v1, v3 and the CLI share, not a closure that strings several together.
This reads the server's and the CLI's sources, finds each closure given to
`store.read(…)` / `store.write(…)` (`.read(move |c| …)`, `.write(move |tx| …)`), and
counts the calls into storage inside it: `module::function(` where `module` is a
storage module the file imports (`use overdue_storage::…::{monitors, …}`), or a full
`overdue_storage::…::function(` path. A closure with more than one is reported with its
file and line.

Usage: tools/one_storage_call.py
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["crates/server/src", "crates/cli/src"]


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), text)
    return re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


def storage_modules(text: str):
    """Names a file binds to storage modules: `use overdue_storage::a::{b, c::d}` binds
    b and c; `use overdue_storage::a::b;` binds b; `use overdue_storage::{x::y}` binds y.
    Types (capitalised) are left out."""
    names = set()
    for m in re.finditer(r"use\s+overdue_storage::([^;]*);", text, flags=re.S):
        body = m.group(1)
        for item in re.split(r"[{},]", body):
            item = item.strip()
            if not item:
                continue
            last = item.split("::")[-1].split(" as ")[-1].strip()
            if last == "self":
                parts = body.split("{")[0].rstrip(":").split("::")
                last = parts[-1]
            if last and last[0].islower() and last != "self":
                names.add(last)
    return names


def closing_paren(text: str, k: int) -> int:
    """The index of the `)` that closes the `(` at `k`."""
    depth = 0
    while k < len(text):
        ch = text[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return k
        elif ch == '"':
            k += 1
            while k < len(text) and text[k] != '"':
                k += 2 if text[k] == "\\" else 1
        k += 1
    return k


def closures(path: Path):
    """(line, storage calls) of each closure handed to `.read(` or `.write(`."""
    text = strip_comments(path.read_text())
    mods = storage_modules(text)
    out = []
    for m in re.finditer(r"\.(read|write)\(\s*(move\s*)?\|", text):
        open_at = text.index("(", m.start())
        body = text[open_at:closing_paren(text, open_at) + 1]
        calls = 0
        for c in re.finditer(r"\b((?:overdue_storage::)?(?:\w+::)*)(\w+)::(\w+)\s*\(", body):
            prefix, module = c.group(1), c.group(2)
            if prefix.startswith("overdue_storage::") or (not prefix and module in mods):
                calls += 1
        line = text.count("\n", 0, m.start()) + 1
        out.append((line, calls))
    return out


def main():
    bad = 0
    for src in SOURCES:
        for p in sorted((ROOT / src).rglob("*.rs")):
            rel = p.relative_to(ROOT).as_posix()
            for line, calls in closures(p):
                if calls > 1:
                    bad += 1
                    print(f"{rel}:{line}: a closure of {calls} storage calls: make it one named storage operation")
    print(f"closures of several storage calls: {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
