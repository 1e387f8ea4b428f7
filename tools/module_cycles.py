#!/usr/bin/env python3
"""Fails when a module of a crate imports a module that imports it back.

The unit is a crate's top-level module (`src/foo.rs` or `src/foo/`); a reference is any
`crate::foo` path (in `use` lines or inline, nested braces included), or `super::foo`
from a submodule of the root. Inside each module directory the same holds between its
files (`super::bar` from a sibling, `crate::foo::bar`). `#[cfg(test)]` items are left
out, and the code after them read. Names re-exported by `lib.rs` (`pub use foo::{Bar}`) count as references to
`foo`. Prints each cycle and exits 1; exits 0 when the graph has none.

Where a crate is split into domain folders (docs/architecture.md, "The map"), it also
fails on an edge the table `LAYERS` does not allow: storage's base imports no domain,
people and alerting only the base, monitoring and flows alerting too; the server's
`http` imports no other module of the server. Modules the table does not name (ingest
and retention, the server's domains) may import any module below them.

Usage: tools/module_cycles.py crates/storage crates/server [...]
"""
import re
import sys
from pathlib import Path


def modules(src: Path):
    out = {}
    for p in src.glob("*.rs"):
        if p.stem not in ("lib", "main"):
            out[p.stem] = [p]
    for d in src.iterdir():
        if d.is_dir():
            out.setdefault(d.name, []).extend(sorted(d.rglob("*.rs")))
    return out


def reexports(src: Path):
    """Names `lib.rs` re-exports, mapped to the top-level module they come from: `pub use
    conn::{AnyConnection}` after `use base::{conn}` counts as a reference to `base`."""
    names = {}
    for root in ("lib.rs", "main.rs"):
        p = src / root
        if not p.exists():
            continue
        text = p.read_text()
        # private imports of the root: `use base::{conn, tx};`, `use monitoring::refs;`
        alias = {}
        for m in re.finditer(r"^use (\w+)::\{([^}]*)\};", text, flags=re.M):
            for n in m.group(2).split(","):
                n = n.strip().split("::")[0].strip()
                if n:
                    alias[n] = m.group(1)
        for m in re.finditer(r"^use (\w+)::(\w+);", text, flags=re.M):
            alias[m.group(2)] = m.group(1)
        for m in re.finditer(r"pub use ((?:\w+::)+)\{([^}]*)\}", text):
            first = m.group(1).split("::")[0]
            for n in m.group(2).split(","):
                n = n.strip().split(" as ")[-1].strip()
                if n:
                    names[n] = alias.get(first, first)
        for m in re.finditer(r"pub use ((?:\w+::)+)(\w+);", text):
            first = m.group(1).split("::")[0]
            names[m.group(2)] = alias.get(first, first)
    return names


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def closing_brace(text: str, k: int) -> int:
    """The index of the `}` that closes the `{` at `k` (or the text's end)."""
    depth = 0
    while k < len(text):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return k


def strip_tests(text: str) -> str:
    """Drops `#[cfg(test)]` items (a `mod … { … }` block by its braces, or one line) and
    keeps what follows them: tests may reach anywhere, they are not the structure."""
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = j + len("#[cfg(test)]")
        semi, brace = text.find(";", k), text.find("{", k)
        if brace < 0 or (0 <= semi < brace):
            i = semi + 1 if semi >= 0 else len(text)
            continue
        i = closing_brace(text, brace) + 1


def top_names(group: str):
    """The first path segment of each item of a `use` group, nested braces included:
    `a::{b, c}, d` → a, d."""
    names, depth, cur = [], 0, ""
    for ch in group:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(cur)
            cur = ""
        else:
            cur += ch
    names.append(cur)
    return {n.strip().split("::")[0].strip() for n in names if n.strip()}


def use_groups(text: str, prefix: str):
    """The inside of each `prefix::{…}` group, matched by braces."""
    out = []
    for m in re.finditer(r"\b" + prefix + r"::\{", text):
        out.append(text[m.end():closing_brace(text, m.end() - 1)])
    return out


def graph(crate: Path):
    src = crate / "src"
    mods = modules(src)
    names = reexports(src)
    edges = {m: set() for m in mods}
    for m, files in mods.items():
        for f in files:
            text = strip_tests(strip_comments(f.read_text()))
            refs = set(re.findall(r"\bcrate::(\w+)", text))
            # use crate::{a, b::{c, d}}
            for g in use_groups(text, "crate"):
                refs |= top_names(g)
            if f.parent == src:
                refs |= set(re.findall(r"\bsuper::(\w+)", text))
            for r in refs:
                target = r if r in mods else names.get(r)
                if target and target != m:
                    edges[m].add(target)
    return edges


def sibling_graphs(crate: Path):
    """Per module directory, the edges between its own files and subdirectories:
    `super::x` from a file directly inside it, `crate::<dir>::x` from anywhere in it."""
    src = crate / "src"
    out = {}
    for d in sorted(p for p in src.rglob("*") if p.is_dir()):
        units = {p.stem: p for p in d.glob("*.rs") if p.stem != "mod"}
        units.update({p.name: p for p in d.iterdir() if p.is_dir()})
        if len(units) < 2:
            continue
        rel = d.relative_to(src).as_posix().replace("/", "::")
        edges = {u: set() for u in units}
        for u, path in units.items():
            files = [path] if path.is_file() else sorted(path.rglob("*.rs"))
            for f in files:
                text = strip_tests(strip_comments(f.read_text()))
                refs = set(re.findall(r"\bcrate::" + re.escape(rel) + r"::(\w+)", text))
                for g in use_groups(text, "crate::" + re.escape(rel)):
                    refs |= top_names(g)
                if f.parent == d:
                    refs |= set(re.findall(r"\bsuper::(\w+)", text))
                    for g in use_groups(text, "super"):
                        refs |= top_names(g)
                edges[u] |= {r for r in refs if r in units and r != u}
        out[rel] = edges
    return out


# The allowed edges between top-level modules, per crate: a module named here may import
# only the modules of its set.
LAYERS = {
    "crates/storage": {
        "base": set(),
        "people": {"base"},
        "alerting": {"base"},
        "monitoring": {"base", "alerting"},
        "flows": {"base", "alerting"},
    },
    "crates/server": {"http": set()},
}


def forbidden(crate: str, edges):
    """Edges the crate's `LAYERS` table does not allow, as (from, to) pairs."""
    table = LAYERS.get(crate.rstrip("/"), {})
    return sorted(
        (m, t) for m, targets in edges.items() if m in table for t in targets if t not in table[m]
    )


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    bad = False
    for crate in sys.argv[1:] or ["crates/storage", "crates/server"]:
        edges = graph(Path(crate))
        found = cycles(edges)
        for comp in found:
            bad = True
            print(f"{crate}: modules import each other: {' ↔ '.join(comp)}")
        for m, t in forbidden(crate, edges):
            bad = found = True
            print(f"{crate}: {m} may not import {t} (docs/architecture.md, \"The map\")")
        for d, edges in sibling_graphs(Path(crate)).items():
            for comp in cycles(edges):
                bad = found = True
                print(f"{crate}/{d}: submodules import each other: {' ↔ '.join(comp)}")
        if not found:
            print(f"{crate}: no import cycles between modules")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
