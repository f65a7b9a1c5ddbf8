"""The package's layout: stages as subpackages, no import cycles, short modules, plain imports.

The import graph is read from the source with `ast`: every `import` and `from ... import`
anywhere in a module, inside functions too, and the lazy-name tables of the package roots
(`_LAZY`). Only `if TYPE_CHECKING:` blocks are left out: they name types and never run.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bench.coldstart import SCRIPTS

pytestmark = pytest.mark.unmeasured(
    "it reads the package's source, and runs its one get in a process of its own"
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "overlay" / "haoee_kling"
# Packages of their own, kept as they were: the CLI, the shipped fake, the conformance runner.
# Their start-up (`kling --help`, the pytest plugin) loads only what a command needs.
APART = ("cli", "testing", "conformance")
MAX_TOP = 15
MAX_LINES = 400
# Modules over MAX_LINES, each with why it is not split (yet). A module that shrinks below the
# limit must leave this list (checked), so the list only ever gets shorter.
LONG = {
    "_downloads.py": "the result files of a task and the streamed, verified, atomic write of "
    "each, blocking and awaited; result_files() could move out",
    "_client.py": "Kling and AsyncKling with their options and lifecycle; the namespace "
    "wiring (_namespace) is where the typed seam lands",
    "read/_shapes.py": "one recursive compiler of shapes and their binding to the generated models",
    "plans/_waiting.py": "wait, the status stream and wait_many share one poll loop and deadline",
    "batch/_ledger.py": "the ledger's SQLite table, every move of a job and every query, in one "
    "class",
    "kinds/_kind_plans.py": "a task kind's plans and the two runners the generated KindRunner "
    "protocols type, side by side: a module of runners of their own would be one more on the "
    "path of every create (tools/walk.py: at most 12); ElementPlans could move out",
}
# Imports inside functions, allowed for heavy or optional dependencies only. Costs measured with
# `python -X importtime` beside `import haoee_kling` (~130 ms here, ~100 ms of it httpx's):
HEAVY = {
    "haoee_kling_api": "the generated calls and models, +5..20 ms, load with the first call",
    "jsonschema": "+50 ms, loaded with the first body checked",
    "referencing": "jsonschema's registry, loaded with it",
    "starlette": "+35 ms; only the callback receiver and the fake serve HTTP",
    "uvicorn": "only `kling callbacks listen` and the fake run a server",
    "jwt": "+15 ms; only the official backend's AK/SK signing needs it",
    "PIL": "optional (Pillow), +10 ms; the server checks image sizes too",
    "standardwebhooks": "only webhook verification needs it",
    "asyncio": "+10 ms; sync-only programs never pay for it",
    "importlib.metadata": "the version is read on first use of __version__",
    "fcntl": "POSIX only: Windows has no advisory lock",
    "difflib": "+1.5 ms; only a misspelt name or field needs a 'did you mean'",
}
# Imports of the package's own modules inside functions: each loads a stage on first use,
# because `import haoee_kling` must stay within 1.2x `import httpx` (`make bench`) and the
# stages cost, beside the client's own ~30 ms: kinds/ with read/ and plans/ +55 ms, batch/
# +45 ms, _downloads +20 ms, plans/_waiting +15 ms, check/_capabilities +15 ms.
STAGE_LOADS = {
    ("haoee_kling", "haoee_kling._version"): "importlib.metadata, on first use of __version__",
    ("haoee_kling._cli_entry", "haoee_kling.cli"): "a clear message when click is missing",
    ("haoee_kling._client", "*"): "a namespace's stage loads when it is first used",
    ("haoee_kling._client_state", "haoee_kling.plans._waiting"): "waits load with the first",
    ("haoee_kling.check._validation", "haoee_kling.check._capabilities"): "import haoee_kling "
    "loads _validation (Problem, for _config); the map's evaluator loads with the first body",
    ("haoee_kling.check._validation", "haoee_kling.check._rules"): "as _capabilities",
    ("haoee_kling.kinds._kind_plans", "haoee_kling.check._capabilities"): "the model map "
    "(+4 ms with _rules) loads with the first create; a get, list or wait never reads it",
    ("haoee_kling.http._translate", "haoee_kling.http._html"): "html.parser (+1.5 ms) loads "
    "when an HTML error page arrives, not with every client",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of the package, or an outside module as written
    line: int
    where: str  # "top", "function", or "table" (a lazy-name table's entry)


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under `package`."""
    names: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits in a function, skipping `if TYPE_CHECKING:` bodies."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    yield other, in_function
                    yield from walk(other, in_function)
                continue
            yield child, in_function
            inner = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(child, in_function or inner)

    yield from walk(tree, False)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[Import]:
    """What one module imports, its own package's modules resolved to their full names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def absolute(level: int, module: str | None) -> str:
        base = package.split(".")[: len(package.split(".")) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    found: list[Import] = []
    for node, in_function in _statements(ast.parse(path.read_text(encoding="utf-8"))):
        where = "function" if in_function else "top"
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node.level, node.module) if node.level else node.module or ""
            # `from package import module` imports that module; `from module import name`
            # imports the module.
            subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in known]
            targets = subs + ([module] if len(subs) < len(node.names) else [])
            if module.partition(".")[0] not in known:  # outside: `from importlib import metadata`
                targets = [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            # A lazy-name table (`"Page": ".read._results"`), loaded by `__getattr__`.
            targets = [
                absolute(1, value.value[1:])
                for value in node.value.values
                if isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and value.value.startswith(".")
                and absolute(1, value.value[1:]) in known
            ]
            where = "table"
        for target in targets:
            while "." in target and target not in known and target.partition(".")[0] in known:
                target = target.rpartition(".")[0]  # `import a.b.name` -> module a.b
            if target != name:
                found.append(Import(name, target, getattr(node, "lineno", 0), where))
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at the top or inside functions)."""
    known = module_names(package)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        graph[name] |= {i.imported for i in imports_of(name, path, known) if i.imported in known}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def stage_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph with each subpackage of haoee_kling taken as one node."""

    def stage(name: str) -> str:
        return ".".join(name.split(".")[:2])

    stages: dict[str, set[str]] = {}
    for importer, imported in graph.items():
        node = stages.setdefault(stage(importer), set())
        node |= {stage(i) for i in imported if stage(i) != stage(importer)}
    stages.pop("haoee_kling", None)  # the root's lazy names would tie every stage to it
    return {k: v - {"haoee_kling"} for k, v in stages.items()}


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_graph_counts_imports_inside_functions(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "_a.py": "from ._b import x\n",
            "_b.py": "def x():\n    from . import _a\n    return _a\n",
        },
    )
    assert find_cycle(import_graph(root)) == ["pkg._a", "pkg._b", "pkg._a"]


def test_the_graph_leaves_out_type_checking_blocks_only(tmp_path: Path) -> None:
    typing_only = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._a import A\n"
    root = _package(tmp_path, {"_a.py": "from ._b import x\n", "_b.py": typing_only})
    assert find_cycle(import_graph(root)) is None
    at_run_time = typing_only + "else:\n    from .sub._c import c\n"
    root = _package(
        tmp_path / "2",
        {"_a.py": "from ._b import x\n", "_b.py": at_run_time, "sub/_c.py": "import pkg._a\n"},
    )
    assert find_cycle(import_graph(root)) == ["pkg._a", "pkg._b", "pkg.sub._c", "pkg._a"]


def test_the_graph_follows_lazy_name_tables(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {"__init__.py": '_LAZY = {"Page": ".read._results"}\n', "read/_results.py": ""},
    )
    assert import_graph(root)["pkg"] == {"pkg.read._results"}


def test_no_module_imports_another_that_imports_it_back() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 90
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_stages_import_one_another_one_way() -> None:
    stages = stage_graph(import_graph(PACKAGE))
    assert {"haoee_kling.http", "haoee_kling.plans", "haoee_kling.kinds"} <= set(stages)
    cycle = find_cycle(stages)
    assert cycle is None, "stages import each other: " + " -> ".join(cycle or ())


def test_at_most_15_modules_sit_at_the_top() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP, top


def test_no_module_is_longer_than_400_lines_but_the_named_ones() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) - set(LONG) == set(), f"over {MAX_LINES} lines: {long}"
    assert set(LONG) - set(long) == set(), "now short enough: remove them from LONG"


def test_imports_inside_functions_are_for_heavy_dependencies_only() -> None:
    known = module_names(PACKAGE)
    late: list[str] = []
    for name, path in known.items():
        if name.split(".")[1:2] and name.split(".")[1] in APART:
            continue
        for imp in imports_of(name, path, known):
            if imp.where != "function":
                continue
            own = imp.imported in known
            allowed = (
                (imp.importer, imp.imported) in STAGE_LOADS or (imp.importer, "*") in STAGE_LOADS
                if own
                else any(imp.imported == h or imp.imported.startswith(h + ".") for h in HEAVY)
            )
            if not allowed:
                late.append(f"{path.relative_to(ROOT)}:{imp.line} imports {imp.imported}")
    assert late == [], "import these at the top, or name why in STAGE_LOADS / HEAVY:\n" + (
        "\n".join(late)
    )


# What the stage loads above keep out of a process that only reads a task (the cold start of
# `make bench`: import, construct, one get). Each is loaded by a call that needs it.
NOT_FOR_A_GET = {
    "haoee_kling.check._capabilities": "the model map: the first create",
    "haoee_kling.check._rules": "the rules' evaluator: the first body checked",
    "haoee_kling.kinds._listing": "listing across kinds: `kling.tasks`",
    "haoee_kling.http._html": "an HTML error page",
    "html.parser": "an HTML error page",
    "difflib": "a misspelt name",
    "zipfile": "importlib.resources' readers: the spec is read with pkgutil.get_data",
    "jsonschema": "the first body checked",
}
# `make bench`'s cold-start process (import, construct, one get), then what it loaded.
A_GET = SCRIPTS["haoee_kling"] + "import json, sys\nprint(json.dumps(sorted(sys.modules)))\n"


def test_reading_a_task_loads_no_stage_it_does_not_use() -> None:
    # A process of its own: this one has loaded everything the other tests use.
    done = subprocess.run(
        [sys.executable, "-c", A_GET], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(done.stdout))
    assert "haoee_kling_api.models.task" in loaded  # the get did read a typed task
    assert sorted(loaded & set(NOT_FOR_A_GET)) == []


ARCHITECTURE = ROOT / "ARCHITECTURE.md"


def _stages_section() -> str:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return text.split("\n## Stages\n", 1)[1].split("\n## ", 1)[0]


def _node(named: str) -> str | None:
    """The stage-graph node a name of the map stands for: `http/` or `_config.py`."""
    if named.endswith("/") and (PACKAGE / named / "__init__.py").is_file():
        return "haoee_kling." + named.rstrip("/")
    if named.endswith(".py") and named != "__init__.py" and (PACKAGE / named).is_file():
        return "haoee_kling." + named.removesuffix(".py")
    return None


def test_the_map_names_every_stage_and_every_module_of_them() -> None:
    named = set(re.findall(r"`([^`]+)`", _stages_section()))
    missing = [path.name for path in sorted(PACKAGE.glob("*.py")) if path.name not in named]
    for stage in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        if f"{stage.name}/" not in named:
            missing.append(f"{stage.name}/")
        if stage.name not in APART:
            modules = sorted(m for m in stage.glob("_*.py") if m.name != "__init__.py")
            missing += [f"{stage.name}/{m.name}" for m in modules if m.stem not in named]
    assert missing == [], f"ARCHITECTURE.md does not mention {missing}"


def test_the_map_lists_the_stages_in_import_order() -> None:
    shared, _, ordered = _stages_section().partition("Stages, in import order:")
    rank = {n: 0 for name in re.findall(r"`([^`]+)`", shared) if (n := _node(name))}
    for name in re.findall(r"`([^`]+)`", ordered):
        if (node := _node(name)) is not None:
            rank.setdefault(node, len(rank) + 1)
    stages = stage_graph(import_graph(PACKAGE))
    assert set(stages) <= set(rank), f"not in the map: {set(stages) - set(rank)}"
    backwards = [
        f"{a} imports {b}"
        for a, imported in stages.items()
        for b in imported
        if rank[b] >= rank[a] and not rank[a] == rank[b] == 0
    ]
    assert backwards == [], "listed before what they import: " + "; ".join(backwards)
