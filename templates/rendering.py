"""The Jinja2 environment for every template: strict (a missing value is an error), Swedish filters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from samverkan.core.labels import DECISION_KINDS, day_text, history_line, label, local_stamp


def thousands(value: int | float | None) -> str:
    """13391 → '13 391' (Swedish digit grouping with a space)."""
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 11777.0 → '11 777', not '11 777,0'
    text = f"{value:,}".replace(",", "\u00a0")
    return text.replace(".", ",")


@lru_cache
def environment() -> Environment:
    """Built on first use, not at import: Prefect's serve() pickles module globals of flows."""
    env = Environment(
        loader=PackageLoader("samverkan.templates", "."),
        # our templates are named *.html.j2: escape by the part before .j2 (select_autoescape matches endings)
        autoescape=select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates are package files; checking their mtime on every render costs a stat()
    )
    env.filters["label"] = label
    env.filters["thousands"] = thousands
    env.filters["history_line"] = history_line
    env.filters["local_stamp"] = local_stamp
    env.filters["day"] = day_text
    env.globals["decision_kinds"] = DECISION_KINDS
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def compile_templates(folder: str) -> int:
    """Compile every template in `folder` now (a web worker's start: ~0.3 s for the pages, which the first
    visitors after a start would otherwise wait for, page by page); the number compiled."""
    env = environment()
    names = [name for name in env.list_templates(extensions=["j2"]) if name.startswith(f"{folder}/")]
    for name in names:
        env.get_template(name)
    return len(names)
