"""The Jinja2 environment for every template: strict (a missing value is an error), Swedish filters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, nodes, select_autoescape
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from markupsafe import escape

from samverkan.core.labels import DECISION_KINDS, day_text, history_line, label, local_stamp


def thousands(value: int | float | None) -> str:
    """13391 → '13 391' (Swedish digit grouping with a space)."""
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 11777.0 → '11 777', not '11 777,0'
    text = f"{value:,}".replace(",", "\u00a0")
    return text.replace(".", ",")


try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover  # markupsafe without its C speedups
    from markupsafe._native import _escape_inner


def escape_output(value: Any) -> str:
    """What `{{ value }}` writes in an escaped template: the same text as markupsafe's `escape`, but a plain
    string or an integer is returned as a plain string instead of a copy wrapped in Markup (the page's parts are
    joined into one string at once; the wrapper is half the cost of escaping and a 400-item page escapes ~3 000
    values)."""
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is int:  # digits: nothing to escape
        return str(value)
    return escape(value)


class _Generator(CodeGenerator):
    """Jinja's code generator with three changes that leave every page's text as it was, for pages of hundreds
    of rows (issue 19): `escape_output(...)` where it writes `escape(...)` for a value output in an escaped
    template (never for a volatile autoescape, a `{% autoescape %}` block's choice at run time); an attribute
    looked up inline (`visit_Getattr`); and a loop written outside a macro or block assignment collects its output
    in a list and yields it joined once, as Jinja writes every macro's body, instead of yielding each piece
    through the generators of the page, its base and its blocks."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline("from samverkan.templates.rendering import escape_output")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        """`x.name`: Python's getattr first, written inline; only when the attribute is missing Jinja's
        `environment.getattr`, which tries `x["name"]` and else gives the strict undefined value (a page of 400
        rows looks up ~6 000 attributes; the call through the environment took twice as long)."""
        if self.environment.is_async:  # pragma: no cover  # the environment is synchronous
            super().visit_Getattr(node, frame)
            return
        owner, value = self.temporary_identifier(), self.temporary_identifier()
        self.write(f"({value} if ({value} := getattr(({owner} := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr({owner}, {node.attr!r}))")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if frame.buffer is not None or node.recursive:
            super().visit_For(node, frame)
            return
        collected = frame.copy()
        self.buffer(collected)
        super().visit_For(node, collected)
        self.writeline(f"yield concat({collected.buffer})")


class _Environment(Environment):
    code_generator_class = _Generator


@lru_cache
def environment() -> Environment:
    """Built on first use, not at import: Prefect's serve() pickles module globals of flows."""
    env = _Environment(
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
