"""The template environment's code generator (templates/rendering.py) writes the same text as Jinja's own: plain
strings and integers escaped without Markup copies, attributes looked up inline, loops collected and yielded
joined once. Each template here
is rendered by both environments, with values that must and must not be escaped; and every page template of
the package compiles with it."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError
from markupsafe import Markup

from samverkan.templates.rendering import _Environment, environment, escape_output

BASE = """<title>{% block title %}x{% endblock %}</title>
{% for n in names %}<a>{{ n }}</a>{% endfor %}
<main>{% block content %}{% endblock %}</main>"""

TEMPLATES = {
    "base.html.j2": BASE,
    "loops.html.j2": """{% extends "base.html.j2" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
{% for row in rows %}
  <tr id="r-{{ row.id }}"><td>{{ loop.index }}/{{ loop.length }}{% if loop.first %} först{% endif %}</td>
  <td>{{ row.text }}</td>{% for tag in row.tags %}<i>{{ tag }}</i>{% else %}<i>inga</i>{% endfor %}
  {% set shown = row.text ~ "!" %}<b>{{ shown }}</b></tr>
{% else %}
<p>tomt</p>
{% endfor %}
{% for row in rows if row.id > 1 %}<em>{{ row.id }}</em>{% endfor %}
{% for a, b in pairs %}{{ a }}={{ b }};{% endfor %}
{% endblock %}""",
    "macros.html.j2": """{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}
{% for v in values %}{{ cell(v) }}{% endfor %}
{% set block %}{% for v in values %}[{{ v }}]{% endfor %}{% endset %}{{ block }}
{% for v in values %}{% include "item.html.j2" %}{% endfor %}
{% filter upper %}{% for v in values %}{{ v }}{% endfor %}{% endfilter %}
{% autoescape false %}{% for v in values %}{{ v }}{% endfor %}{% endautoescape %}
{% for v in values %}{{ v|e }}{{ v|safe if v is string else v }}{% endfor %}""",
    "item.html.j2": "<li>{{ v }}</li>",
    "attributes.html.j2": """{% macro m(v=thing.name) %}<u>{{ v }}</u>{% endmacro %}{{ m() }}{{ m(v=thing.inner.name) }}
{{ mapping.key }} {{ mapping.items is defined }} {{ thing.inner.inner.name }} {{ thing.missing is defined }}
{% for t in things if t.ok %}{{ t.name }}{% endfor %} {{ thing.prop is defined }} {{ (thing.name ~ "x").upper() }}
{% set n = thing.inner.name %}{{ n }} {{ things[0].name }} {{ thing.name if thing.ok else thing.missing }}""",
    "plain.txt.j2": "{% for v in values %}{{ v }}\n{% endfor %}",
}

VALUES: list[Any] = ['<a href="x">&\'', Markup("<b>fet</b>"), 7, -3, 2.5, True, None, "", "åäö", 10**20]


def _both() -> tuple[Environment, Environment]:
    options: dict[str, Any] = {
        "loader": DictLoader(TEMPLATES),
        "autoescape": lambda name: name is not None and name.endswith(".html.j2"),
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    return Environment(**options), _Environment(**options)


class Thing:
    def __init__(self, name: str, ok: bool, inner: Thing | None = None) -> None:
        self.name, self.ok, self.inner = name, ok, inner

    @property
    def prop(self) -> str:
        raise AttributeError("a property that fails counts as missing")


@pytest.mark.parametrize("name", ["loops.html.j2", "macros.html.j2", "plain.txt.j2", "attributes.html.j2"])
def test_the_same_text_as_jinjas_own_generator(name: str) -> None:
    stock, ours = _both()
    rows = [{"id": i, "text": VALUES[i % len(VALUES)], "tags": VALUES[:i]} for i in range(4)]
    thing = Thing("<a>", True, Thing("b&", False, Thing("c", True)))
    context = {
        "title": "<T>",
        "names": VALUES,
        "rows": rows,
        "pairs": [(1, "<"), ("&", 2)],
        "values": VALUES,
        "thing": thing,
        "things": [thing, thing.inner, Thing("d", True)],
        "mapping": {"key": "<nyckel>"},
    }
    expected = stock.get_template(name).render(**context)
    assert ours.get_template(name).render(**context) == expected
    assert ours.get_template(name).render(**{**context, "rows": [], "values": []}) == stock.get_template(name).render(
        **{**context, "rows": [], "values": []}
    )
    if name != "plain.txt.j2":  # the changed code is what ran
        source = ours.compile(TEMPLATES[name], name, raw=True)
        assert "escape_output(" in source and ("yield concat(" in source or name == "attributes.html.j2")
    if name == "attributes.html.j2":
        assert "&lt;a&gt;" in expected and "True" in expected and "&lt;nyckel&gt;" in expected
    if name == "loops.html.j2":
        assert "<a>&lt;a href=&#34;x&#34;&gt;&amp;&#39;</a><a><b>fet</b></a><a>7</a>" in expected


def test_output_escapes_as_markupsafe_does() -> None:
    for value in VALUES:
        assert escape_output(value) == Markup.escape(value)


@pytest.mark.parametrize(
    "source", ["{% for v in values %}{{ v.missing }}{% endfor %}", "{{ values.missing.name }}", "{{ nothing.name }}"]
)
def test_a_missing_value_is_still_an_error(source: str) -> None:
    for env in _both():
        with pytest.raises(UndefinedError):
            env.from_string(source).render(values=[1])


def test_every_template_of_the_package_compiles() -> None:
    env = environment()
    names = env.list_templates(extensions=["j2"])
    assert len(names) > 40
    for name in names:
        assert env.get_template(name).render is not None
