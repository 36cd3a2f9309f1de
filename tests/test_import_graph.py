"""The project's modules import each other without a circle.

Every ``import`` statement counts, at module level or inside a function: an import moved
into a function to dodge a circle is still a circle.
"""

import ast
from pathlib import Path

from django.conf import settings

PACKAGES = (
    "accounts",
    "api",
    "assessments",
    "audit",
    "forecasts",
    "framework",
    "r2p_project",
    "webhooks",
)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path, root)] = path
    return modules


def imports_of(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules that the module ``name`` at ``path`` imports."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from assessments import scoring" names a module; "from x.models import Y" not.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(f"{target}."):
                found.add(target)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (first repeated last), or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def test_the_project_has_no_import_circle():
    graph = import_graph(Path(settings.BASE_DIR))

    assert "assessments.workflow" in graph["assessments.tasks"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_circle_finder_finds_a_circle_through_an_import_inside_a_function(tmp_path):
    package = tmp_path / "assessments"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from assessments import escalations\n")
    (package / "escalations.py").write_text(
        "def later():\n    from assessments.services import submit\n"
    )
    for other in ("accounts", "framework", "r2p_project"):
        (tmp_path / other).mkdir()
        (tmp_path / other / "__init__.py").write_text("")

    cycle = find_cycle(import_graph(tmp_path))

    assert cycle == ["assessments.escalations", "assessments.services", "assessments.escalations"]
