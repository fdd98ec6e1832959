"""The text of a sweep's message, rendered from messages/action.txt.j2 tens of thousands of times in a busy sweep
or a simulated year: the template and its globals are looked up once, and each render starts from a plain dict
of them instead of Jinja copying the template's chained globals again for every message (the values, and the
names of the globals that each context keeps: a set made from the chained mapping on every render). Same output as
templates/rendering.py `render` (tests/test_sweep_message.py compares them)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Template
from jinja2.runtime import new_context

from samverkan.templates.rendering import environment

ACTION_TEMPLATE = "messages/action.txt.j2"


@lru_cache(maxsize=8)
def _template(name: str) -> tuple[Template, dict[str, Any]]:
    template = environment().get_template(name)
    return template, dict(template.globals)


def render_message(name: str = ACTION_TEMPLATE, **context: Any) -> str:
    """`render(name, **context)`, with the template's globals copied once per process, not once per message."""
    template, globals_ = _template(name)
    values = new_context(template.environment, template.name, template.blocks, {**globals_, **context}, True, globals_)
    return template.environment.concat(template.root_render_func(values))
