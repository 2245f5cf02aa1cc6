"""The evaluation context's layering, read from its source: the domain modules import one way,
nothing imports inside a function to get round a cycle, and the views reach the database only
through the domain and the selectors."""

from __future__ import annotations

import ast
from pathlib import Path

import llmops.evaluation

ROOT = Path(llmops.evaluation.__file__).parent
# Innermost first: each domain module may import only those before it.
ORDER = [
    "connections",
    "datasets",
    "langfuse_datasets",
    "langsmith",
    "suites",
    "execution",
    "decision",
    "gate",
    "schedules",
    "run_end",
    "online",
    "experiments",
]
DOMAIN = "llmops.evaluation.domain"


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_each_domain_module_imports_only_the_modules_before_it() -> None:
    wrong: list[str] = []
    for index, name in enumerate(ORDER):
        imported = _imported(_tree(ROOT / "domain" / f"{name}.py"))
        for later in ORDER[index:]:
            if f"{DOMAIN}.{later}" in imported:
                wrong.append(f"{name} imports {later}")
    assert wrong == []
    # A new domain module takes its place in ORDER, after every module it imports.
    unplaced = {p.stem for p in (ROOT / "domain").glob("*.py")} - {*ORDER, "__init__"}
    assert unplaced == set()


def test_errors_models_and_selectors_import_no_domain_module() -> None:
    for name in ("errors.py", "models.py", "selectors.py", "secrets.py", "tracing_export.py"):
        imported = _imported(_tree(ROOT / name))
        assert not any(m.startswith(DOMAIN) for m in imported), name


def test_nothing_in_evaluation_imports_inside_a_function() -> None:
    found: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} in {node.name}")
    # Django's documented place to connect signal receivers and to hand the registry its suite
    # evidence, once the app registry is ready.
    assert [f for f in found if not (f.startswith("apps.py:") and f.endswith(" in ready"))] == []


def test_views_make_no_orm_calls_and_import_no_models() -> None:
    tree = _tree(ROOT / "api" / "views.py")
    imported = _imported(tree)
    assert not any(m.endswith(".models") or ".models." in m for m in imported)
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("objects", "delete", "refresh_from_db", "save", "forget_project")
    ]
    assert calls == []
