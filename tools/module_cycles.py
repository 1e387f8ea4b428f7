#!/usr/bin/env python3
"""Fails when a module of a crate imports a module that imports it back.

The unit is a crate's top-level module (`src/foo.rs` or `src/foo/`); a reference is any
`crate::foo` path (in `use` lines or inline), or `super::foo` from a submodule of the
root. Names re-exported by `lib.rs` (`pub use foo::{Bar}`) count as references to
`foo`. Prints each cycle and exits 1; exits 0 when the graph has none.

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
    """Names `lib.rs` re-exports, mapped to the module they come from."""
    names = {}
    for root in ("lib.rs", "main.rs"):
        p = src / root
        if not p.exists():
            continue
        text = p.read_text()
        for m in re.finditer(r"pub use (\w+)::\{([^}]*)\}", text):
            for n in m.group(2).split(","):
                n = n.strip().split(" as ")[-1].strip()
                if n:
                    names[n] = m.group(1)
        for m in re.finditer(r"pub use (\w+)::(\w+);", text):
            names[m.group(2)] = m.group(1)
    return names


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def graph(crate: Path):
    src = crate / "src"
    mods = modules(src)
    names = reexports(src)
    edges = {m: set() for m in mods}
    for m, files in mods.items():
        for f in files:
            text = strip_comments(f.read_text())
            # `#[cfg(test)]` modules may reach anywhere: tests are not the structure.
            text = text.split("#[cfg(test)]")[0]
            refs = set(re.findall(r"\bcrate::(\w+)", text))
            # use crate::{a, b::c}
            for g in re.findall(r"\bcrate::\{([^}]*)\}", text):
                refs |= {x.strip().split("::")[0] for x in g.split(",") if x.strip()}
            if f.parent == src:
                refs |= set(re.findall(r"\bsuper::(\w+)", text))
            for r in refs:
                target = r if r in mods else names.get(r)
                if target and target != m:
                    edges[m].add(target)
    return edges


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
        found = cycles(graph(Path(crate)))
        for comp in found:
            bad = True
            print(f"{crate}: modules import each other: {' ↔ '.join(comp)}")
        if not found:
            print(f"{crate}: no import cycles between modules")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
