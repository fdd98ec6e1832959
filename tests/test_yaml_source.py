"""Reading YAML with line numbers: the basis of every located error message."""

from __future__ import annotations

from datetime import date

from samverkan.core.yaml_source import read_yaml

TEXT = """\
organisation:
  key: fagersta
  started: 2024-01-01
bodies:
  - key: est
    members:
      - samordnare
      - kommunpolis
"""


def test_lines_are_recorded_for_nested_keys_and_list_items() -> None:
    doc = read_yaml(TEXT, "f.yaml")
    assert doc.issues == []
    assert doc.data["organisation"]["started"] == date(2024, 1, 1)
    assert doc.lines[("organisation", "key")] == 2
    assert doc.lines[("bodies", 0, "key")] == 5
    assert doc.lines[("bodies", 0, "members", 1)] == 8


def test_line_of_a_missing_key_falls_back_to_its_parent() -> None:
    doc = read_yaml(TEXT, "f.yaml")
    assert doc.line_of(("bodies", 0, "chair")) == 5
    assert doc.line_of(("nothing", "here")) == 1


def test_duplicate_key_is_reported_with_both_lines() -> None:
    doc = read_yaml("a: 1\nb: 2\na: 3\n", "dup.yaml")
    assert len(doc.issues) == 1
    issue = doc.issues[0]
    assert issue.line == 3
    assert "'a' förekommer två gånger (rad 1 och här)" in issue.message


def test_syntax_error_is_located_not_raised() -> None:
    doc = read_yaml("a:\n  b: [1, 2\nc: 3\n", "broken.yaml")
    assert doc.data is None
    assert len(doc.issues) == 1
    assert doc.issues[0].line == 3
    assert doc.issues[0].message.startswith("YAML-syntaxfel")
    assert str(doc.issues[0]).startswith("broken.yaml:3: ")


def test_empty_file_is_an_issue() -> None:
    doc = read_yaml("# bara en kommentar\n", "tom.yaml")
    assert doc.data is None
    assert doc.issues[0].message == "filen är tom"
