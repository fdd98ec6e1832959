"""Reading YAML while remembering the line of every mapping key and list element.

PyYAML's node graph carries marks; we build plain Python data and, beside it, a map from each path
(("bodies", 2, "members") ...) to its 1-based line, so that any later error can be located.
Duplicate keys, which PyYAML silently overwrites, are reported as errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from samverkan.core.issues import ConfigIssue, Path


@dataclass
class LocatedYaml:
    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """Line of the deepest known prefix of `path` (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.constructor = yaml.SafeLoader("")  # used only for scalar resolution (dates, ints, bools)
        self.lines: dict[Path, int] = {}
        self.issues: list[ConfigIssue] = []

    def build(self, node: Node, path: Path) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | bool) and key is not None:
                    self.issues.append(
                        ConfigIssue(self.file, key_node.start_mark.line + 1, "nyckeln måste vara text", path)
                    )
                    continue
                key = str(key) if not isinstance(key, str) else key
                child: Path = (*path, key)
                if key in result:
                    self.issues.append(
                        ConfigIssue(
                            self.file,
                            key_node.start_mark.line + 1,
                            f"nyckeln '{key}' förekommer två gånger (rad {self.lines[child]} och här)",
                            child,
                        )
                    )
                    continue
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self.constructor.construct_object(node, deep=True)
        raise TypeError(f"okänd YAML-nod {node!r}")  # pragma: no cover - yaml has only these three


def read_yaml(text: str, file: str) -> LocatedYaml:
    """Parse `text`; syntax errors become located issues, never exceptions."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "okänt fel"
        return LocatedYaml(file, None, issues=[ConfigIssue(file, line, f"YAML-syntaxfel: {problem}")])
    except yaml.YAMLError as exc:  # pragma: no cover - all parser errors are marked in PyYAML
        return LocatedYaml(file, None, issues=[ConfigIssue(file, 1, f"YAML-fel: {exc}")])
    if root is None:
        return LocatedYaml(file, None, issues=[ConfigIssue(file, 1, "filen är tom")])
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return LocatedYaml(file, None, issues=[ConfigIssue(file, line, f"ogiltigt värde: {exc.problem}")])
    return LocatedYaml(file, data, builder.lines, builder.issues)
