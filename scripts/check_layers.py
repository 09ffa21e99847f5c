"""Check nethealth's layers: no module imports a layer above its own, no two packages import each
other (directly or round a longer loop), and no module cycle hides behind function-level imports.

    python scripts/check_layers.py            # exit 1 and a list of violations, else 0

Run by `make lint`. The layers, lowest first (docs/architecture.md explains each):
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "nethealth"

# Lowest first. A module may import modules of its own layer or below, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "settings", "common", "progress", "cli_common"),
    ("formats",),
    ("lake",),
    ("sources",),
    ("indicators",),
    ("ui",),
    ("area",),  # the manifest types every area fills in
    ("sim",),  # the simulated Internet: written in the publishers' formats, below the areas
    ("economics", "infrastructure", "bgp", "rpki", "shutdowns", "routing", "outages", "standards",
     "resilience"),
    ("areas", "pipeline", "demo", "ops"),  # ops: the daily routine over all of them
    ("server", "api", "web", "cli"),
)  # fmt: skip
# Stricter than the layer order: `formats` parses bytes and imports nothing else of ours.
ONLY = {"formats": {"formats", "errors", "common"}}
__doc__ = (__doc__ or "") + "\n".join(f"    {i}. {', '.join(g)}" for i, g in enumerate(LAYERS))


def rank_of(package: str) -> int:
    for i, group in enumerate(LAYERS):
        if package in group:
            return i
    raise SystemExit(f"check_layers: package nethealth.{package} is in no layer; add it to LAYERS")


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """The nethealth modules a module imports, anywhere in it (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("nethealth"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if not base.startswith("nethealth"):
                continue
            for alias in node.names:
                yield (f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base,
                       node.lineno)  # fmt: skip


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "nethealth"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check() -> list[str]:
    problems: list[str] = []
    module_graph: dict[str, set[str]] = defaultdict(set)
    package_graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules():
        src = package_of(name)
        if src == "nethealth":
            continue  # the package's own __init__ (its version)
        for target, line in imports(name, path):
            dst = package_of(target)
            if dst == "nethealth" or target == name:
                continue
            module_graph[name].add(target)
            where = f"{path.relative_to(ROOT.parent.parent)}:{line}"
            if src != dst:
                package_graph[src].add(dst)
                if rank_of(dst) > rank_of(src):
                    problems.append(f"{where}: {src} (layer {rank_of(src)}) imports {target} "
                                    f"(layer {rank_of(dst)}, above it)")  # fmt: skip
            allowed = ONLY.get(src)
            if allowed is not None and dst not in allowed:
                problems.append(f"{where}: {src} may import only {', '.join(sorted(allowed))}, "
                                f"not {target}")  # fmt: skip
    for comp in cycles(package_graph):
        problems.append(f"package cycle: {' ↔ '.join(comp)}")
    for comp in cycles(module_graph):
        problems.append(f"module cycle: {' ↔ '.join(comp)}")
    return problems


def main() -> int:
    problems = check()
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layer violation(s); see docs/architecture.md (Layers)")
        return 1
    print(f"layers: ok ({sum(1 for _ in modules())} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
