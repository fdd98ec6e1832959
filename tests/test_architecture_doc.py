"""ARCHITECTURE.md is checked against the code: every file and function it names exists, and its picture of the
layers is the one the import contracts enforce."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
REFERENCE = re.compile(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|j2))(?:::([A-Za-z_]+))?`")


def _defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_file_and_function_named_exists() -> None:
    references = REFERENCE.findall(DOC)
    assert len(references) >= 20, "the walk and the rule table should name the files"
    missing = []
    for file, name in references:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name and name not in _defined_names(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"ARCHITECTURE.md names what does not exist: {missing}"


def test_the_layer_picture_is_the_import_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    contracted = [layer.replace("samverkan.", "").replace(" ", "") for layer in contract["layers"]]
    picture = DOC.split("```text", 1)[1].split("```", 1)[0]
    drawn = [line.split("  ")[0].replace(" ", "") for line in picture.strip().splitlines()]
    assert drawn == contracted
