"""The import graph of rams: packages import only downward along the data flow.

Every module under ``rams/`` is parsed with :mod:`ast` (nothing is imported), and every
``import rams.X...`` / ``from rams.X... import ...`` / relative import in it, at module
level, inside a function or under ``TYPE_CHECKING``, becomes an edge between the top-level
packages (``rams.detection.train -> rams.evaluation.tiles`` is ``detection -> evaluation``).
A cycle between packages fails, with the cycle and the imports that make it; so does an
edge that runs up :data:`LAYERS`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

RAMS = Path(__file__).resolve().parents[1] / "rams"

#: The data flow, lowest layer first: a package may import packages of lower layers only
#: (in the first layer, its members may import one another: cycles fail on their own).
#: The top-level modules (``rams.crs``, ``rams.errors``, ``rams.config``...) and the root
#: package (``rams.__version__``) belong with ``core``. ``synth`` makes test and training
#: data and sits below everything that trains or tests on it; ``survey`` merges the runs
#: that ``orchestration`` writes; ``training`` fits models and scores them with
#: ``evaluation``.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"rams", "core", "atomic", "checksum", "config", "config_paths", "crs", "errors", "yamlio"}),
    frozenset({"synth"}),
    frozenset({"ingest"}),
    frozenset({"grid"}),
    frozenset({"tiles"}),
    frozenset({"fusion"}),
    frozenset({"anomaly", "detection"}),
    frozenset({"candidates"}),
    frozenset({"export"}),
    frozenset({"evaluation"}),
    frozenset({"orchestration"}),
    frozenset({"survey"}),
    frozenset({"training"}),
    frozenset({"cli"}),
)

#: Imports known to run up the layers, each with the reason it is still there. The list
#: only shrinks: an entry whose import is gone fails :func:`test_known_exceptions_still_exist`.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Edge:
    """One import of one module by another."""

    source: str  # importing module, e.g. "rams.detection.train"
    target: str  # imported module or name, e.g. "rams.evaluation.tiles.ImageTruth"
    line: int
    packages: tuple[str, str]  # top-level packages: ("detection", "evaluation")

    def __str__(self) -> str:
        return f"{self.source} (line {self.line}) imports {self.target}"


def package_of(name: str, root: Path) -> str:
    """Top-level package (or module) of a dotted name below ``rams``; ``"rams"`` for the
    root package and the names it defines (``rams.__version__``)."""
    parts = name.split(".")
    if len(parts) > 1 and ((root / parts[1]).is_dir() or (root / f"{parts[1]}.py").is_file()):
        return parts[1]
    return "rams"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(source: str, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Dotted names of the ``rams`` modules (or names in them) a module's source imports."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name == "rams" or name.startswith("rams.")]


def import_edges(root: Path = RAMS) -> list[Edge]:
    """Every import between two different top-level packages of ``root``."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        for target, line in module_imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            edge = Edge(module, target, line, (package_of(module, root), package_of(target, root)))
            if edge.packages[0] != edge.packages[1]:
                edges.append(edge)
    return edges


def _is_known(edge: Edge) -> bool:
    return any(edge.source == s and (edge.target == t or edge.target.startswith(t + "."))
               for s, t in KNOWN_UPWARD)


def package_graph(edges: list[Edge]) -> dict[str, dict[str, list[Edge]]]:
    """Package -> imported package -> the imports behind that edge."""
    graph: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for edge in edges:
        a, b = edge.packages
        graph[a][b].append(edge)
    return graph


def find_cycles(graph: dict[str, dict[str, list[Edge]]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) through each strongly connected group of packages."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm (a few dozen nodes: recursion is fine)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(set(graph) | {w for targets in graph.values() for w in targets}):
        if v not in index:
            visit(v)
    cycles = []
    for group in groups:  # shortest path back to the group's first node, breadth first
        start, members = group[0], set(group)
        paths = {start: [start]}
        frontier = [start]
        cycle = None
        while frontier and cycle is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph.get(v, {})):
                    if w == start:
                        cycle = [*paths[v], start]
                        break
                    if w in members and w not in paths:
                        paths[w] = [*paths[v], w]
                        nxt.append(w)
                if cycle:
                    break
            frontier = nxt
        assert cycle is not None
        cycles.append(cycle)
    return cycles


def describe(cycle: list[str], graph: dict[str, dict[str, list[Edge]]]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in pairwise(cycle):
        shown = graph[a][b][:3]
        lines += [f"  {a} -> {b}: {e}" for e in shown]
        if len(graph[a][b]) > len(shown):
            lines.append(f"  ... and {len(graph[a][b]) - len(shown)} more")
    return "\n".join(lines)


def _layer(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise AssertionError(f"package rams.{package} is in no layer: add it to LAYERS in {__file__}")


def test_the_graph_is_read() -> None:
    # A walker that found nothing would pass every check below.
    graph = package_graph(import_edges())
    assert "core" in graph["detection"] and "detection" in graph["cli"]
    assert any(e.source == "rams.cli.train" for e in graph["cli"]["training"])  # function-level


def test_no_import_cycle_between_packages() -> None:
    graph = package_graph([e for e in import_edges() if not _is_known(e)])
    cycles = find_cycles(graph)
    assert not cycles, "import cycles between rams packages:\n" + "\n".join(describe(c, graph) for c in cycles)


def _runs_up(edge: Edge) -> bool:
    source, target = (_layer(p) for p in edge.packages)
    return source < target or source == target > 0


def test_packages_import_only_downward() -> None:
    upward = [e for e in import_edges() if not _is_known(e) and _runs_up(e)]
    assert not upward, "imports that run up the data flow (see LAYERS):\n" + "\n".join(
        f"  {a} -> {b}: {e}" for e in upward for a, b in [e.packages])


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in RAMS.iterdir() if (p / "__init__.py").is_file()}
    packages |= {p.stem for p in RAMS.glob("*.py") if p.name != "__init__.py"}
    for package in sorted(packages):
        _layer(package)


def test_known_exceptions_still_exist() -> None:
    edges = import_edges()
    for source, target in KNOWN_UPWARD:
        assert any(e.source == source and e.target.startswith(target) for e in edges), (
            f"{source} no longer imports {target}: remove it from KNOWN_UPWARD")


def test_a_cycle_is_found_and_printed(tmp_path: Path) -> None:
    pkg = tmp_path / "rams"
    for name, text in {"a": "from rams.b.y import f\n", "b": "def g():\n    from ..c import z\n",
                       "c": "import rams.a.x\n"}.items():
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
        (pkg / name / "x.py").write_text(text)
    graph = package_graph(import_edges(pkg))
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert "rams.b.x (line 2) imports rams.c.z" in describe(["a", "b", "c", "a"], graph)
