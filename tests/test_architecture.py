"""The architecture's rules, checked on the source: short functions, one-way layers, explained type ignores.

The application packages are the ones import-linter knows (pyproject.toml, [tool.importlinter] root_packages);
each `samverkan.<name>` is the folder <name>/ in the repository.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 60
MIGRATIONS = ROOT / "database" / "migrations"
BARE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\[)")


def application_packages() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = config["tool"]["importlinter"]["root_packages"]
    return [ROOT / name.removeprefix("samverkan.") for name in names]


def python_files(folders: list[Path]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(folder.rglob("*.py"))


def long_functions(path: Path) -> Iterator[str]:
    """`file:line name (N lines)` for every function or method longer than the limit, decorators excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"


def test_the_application_packages_are_found() -> None:
    packages = application_packages()
    assert len(packages) >= 13
    assert all((package / "__init__.py").is_file() for package in packages), packages


def test_no_function_is_longer_than_sixty_lines() -> None:
    offenders = [
        offender
        for path in python_files(application_packages())
        if not path.is_relative_to(MIGRATIONS)
        for offender in long_functions(path)
    ]
    print("\n".join(offenders))
    assert not offenders, f"{len(offenders)} functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(offenders)


def test_import_linter_contracts_hold() -> None:
    """The same check as `make test`'s lint-imports, for a pytest run on its own."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_type_ignore_names_its_error_code() -> None:
    folders = [*application_packages(), ROOT / "tests", ROOT / "benchmarks"]
    bare = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files(folders)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE_IGNORE.search(line)
    ]
    assert not bare, "type ignores without an error code:\n" + "\n".join(bare)
