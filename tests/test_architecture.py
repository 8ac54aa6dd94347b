"""The apps' shape: a views module is imported only by its own app's urls (never by another
app), and the project's modules import each other without a circle, counting the imports made
inside functions too. Migrations aside; imports are read from the source, nothing is run."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "diary", "safety_plans", "casework", "content")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> dict[str, Path]:
    """Every project module (migrations aside), by dotted name."""
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                files[module_name(path)] = path
    return files


MODULES = project_files()
# An app is a package with an apps.py; a module belongs to the innermost one holding it.
APPS = sorted((name.rsplit(".", 1)[0] for name in MODULES if name.endswith(".apps")), key=len, reverse=True)


def app_of(module: str) -> str:
    return next(app for app in APPS if module == app or module.startswith(app + "."))


def is_views(module: str) -> bool:
    """A views module: ``views``, a ``views`` package and what is in it, or ``<feature>_views``."""
    return any(part == "views" or part.endswith("_views") for part in module.split("."))


def project_module(dotted: str) -> str | None:
    """The project module an import of ``dotted`` runs: the longest known prefix, if any."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def imports_of(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(project module, line) for every import in the file, wherever it stands in it."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module
            # ``from package import name`` imports the submodule ``name`` when there is one.
            names = [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = project_module(name)
            if target is not None and target != module:
                yield target, node.lineno


def import_graph() -> dict[str, dict[str, int]]:
    """For each project module, the project modules it imports, with the line of one import."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for target, line in imports_of(module, path):
            edges.setdefault(target, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The circles among the modules: for each group of modules that import one another
    (Tarjan's strongly connected components, iteratively), a shortest circle through each of
    its modules, each written from its first module back to it, without repeats."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    circles: list[list[str]] = []
    for group in groups:
        for member in sorted(group):
            circle = _circle_through(graph, group, member)
            first = circle.index(min(circle[:-1]))
            circle = [*circle[first:-1], *circle[:first], circle[first]]
            if circle not in circles:
                circles.append(circle)
    return sorted(circles)


def _circle_through(graph: dict[str, dict[str, int]], group: set[str], start: str) -> list[str]:
    """A shortest circle from ``start`` back to itself, within its group."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == start:
                return [*paths[node], start]
            if child in group and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no circle through {start}")  # a strongly connected group always has one


def describe(graph: dict[str, dict[str, int]], circle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in zip(circle, circle[1:], strict=False)]
    return " -> ".join([*steps, circle[-1]])


def test_the_walk_sees_the_project():
    graph = import_graph()

    assert {"portal.settings", "portal.accounts.models", "diary.models", "content.apps"} <= set(graph)
    assert not [name for name in graph if ".migrations" in name]
    assert app_of("portal.accounts.models") == "portal.accounts"
    assert app_of("portal.crypto") == "portal"
    assert "diary.models" in graph["diary.services"]
    assert is_views("diary.views")
    assert is_views("diary.export_views")
    assert not is_views("diary.services")


def test_imports_inside_functions_and_relative_imports_are_counted(tmp_path, monkeypatch):
    package = tmp_path / "portal" / "sub"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("def later():\n    from . import two\n    from ..crypto import x\n")
    (package / "two.py").write_text("import portal.sub.one\n")
    monkeypatch.setitem(MODULES, "portal.sub", package / "__init__.py")
    monkeypatch.setitem(MODULES, "portal.sub.one", package / "one.py")
    monkeypatch.setitem(MODULES, "portal.sub.two", package / "two.py")

    assert dict(imports_of("portal.sub.one", package / "one.py")) == {"portal.sub.two": 2, "portal.crypto": 3}
    graph = {name: dict(imports_of(name, MODULES[name])) for name in ("portal.sub.one", "portal.sub.two")}
    graph["portal.crypto"] = {"portal.sub.two": 1}
    assert cycles(graph) == [
        ["portal.crypto", "portal.sub.two", "portal.sub.one", "portal.crypto"],
        ["portal.sub.one", "portal.sub.two", "portal.sub.one"],
    ]


def is_urls(module: str) -> bool:
    """A URL configuration: ``urls``, or one more of them such as ``public_urls``."""
    last = module.rsplit(".", 1)[-1]
    return last == "urls" or last.endswith("_urls")


def test_views_are_imported_only_by_their_own_apps_urls():
    graph = import_graph()

    crossings = [
        f"{module} (line {line}) imports {target}"
        for module, targets in sorted(graph.items())
        for target, line in sorted(targets.items())
        if is_views(target) and (app_of(target) != app_of(module) or not (is_urls(module) or is_views(module)))
    ]
    assert not crossings, "a views module is reached through its own app's urls only:\n" + "\n".join(crossings)


def test_no_import_circles():
    graph = import_graph()

    found = [describe(graph, circle) for circle in cycles(graph)]
    assert not found, "import circles (function-local imports included):\n" + "\n".join(found)
