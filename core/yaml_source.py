"""Reading YAML while remembering the line of every mapping key and list element.

PyYAML's node graph carries marks; we build plain Python data and, beside it, a map from each path
(("bodies", 2, "members") ...) to its 1-based line, so that any later error can be located.
Duplicate keys, which PyYAML silently overwrites, are reported as errors.

Hostile input is bounded: the text's size, the nesting depth and the number of nodes built (an alias counts
every node it expands to, so a "billion laughs" file of a few hundred bytes is refused at once, located).
Impossible scalars (2027-02-30, an integer of thousands of digits) are located errors too, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from samverkan.core.issues import ConfigIssue, Path

MAX_CHARS = 500_000  # characters of YAML text; a real organisation file has about ten thousand
# libyaml's parser when PyYAML has it (ten times faster, so the size bound is also a time bound)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 40  # nesting levels
MAX_NODES = 25_000  # values built, every alias expanded (a real file has 1 000–3 000)
_STR_TAG = "tag:yaml.org,2002:str"


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


class _Refused(Exception):
    """Building stops here: too large, too deep or an impossible value, at `line`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        # Only scalars are constructed (dates, ints, bools): the constructor alone, not a whole loader (whose parser
        # state refers to itself, so each file left a cycle for the garbage collector).
        self.constructor = SafeConstructor()
        self.lines: dict[Path, int] = {}
        self.issues: list[ConfigIssue] = []
        self.nodes = 0

    def build(self, node: Node, path: Path) -> Any:
        line = node.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(line, f"filen har för många värden (över {MAX_NODES}, alias medräknade)")
        if len(path) > MAX_DEPTH:
            raise _Refused(line, f"värdena är nästlade för djupt (över {MAX_DEPTH} nivåer)")
        self.lines.setdefault(path, line)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        raise TypeError(f"okänd YAML-nod {node!r}")  # pragma: no cover - yaml has only these three

    def _scalar(self, node: ScalarNode) -> Any:
        """The scalar's value (dates, numbers, booleans resolved); an impossible one is a located error."""
        if node.tag == _STR_TAG:  # most values: a string is its own text (SafeConstructor.construct_yaml_str)
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise _Refused(node.start_mark.line + 1, f"ogiltigt värde: {exc.problem}") from None
        except (ValueError, OverflowError, TypeError) as exc:
            shown = node.value if len(node.value) <= 40 else node.value[:40] + "…"
            raise _Refused(node.start_mark.line + 1, f"ogiltigt värde '{shown}': {_reason(exc)}") from None

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key_node, ScalarNode) or (not isinstance(key, str | int | bool) and key is not None):
                self.issues.append(ConfigIssue(self.file, key_line, "nyckeln måste vara text", path))
                continue
            key = str(key) if not isinstance(key, str) else key
            child: Path = (*path, key)
            if key in result:
                self.issues.append(
                    ConfigIssue(
                        self.file,
                        key_line,
                        f"nyckeln '{key}' förekommer två gånger (rad {self.lines[child]} och här)",
                        child,
                    )
                )
                continue
            self.lines[child] = key_line
            result[key] = self.build(value_node, child)
        return result


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "digits" in text:
        return "talet har för många siffror"
    if "day is out of range" in text or "month must be" in text:
        return "datumet finns inte"
    return "kan inte tolkas"


def _too_deep(text: str) -> int | None:
    """The line where nesting first goes deeper than MAX_DEPTH, from the parser's events (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark.line + 1 if event.start_mark else 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _fail(file: str, line: int, message: str) -> LocatedYaml:
    return LocatedYaml(file, None, issues=[ConfigIssue(file, line, message)])


def read_yaml(text: str, file: str) -> LocatedYaml:
    """Parse `text`; syntax errors, impossible values and oversized input become located issues, never exceptions."""
    if len(text) > MAX_CHARS:
        return _fail(file, 1, f"filen är för stor (över {MAX_CHARS} tecken)")
    try:
        too_deep = _too_deep(text)  # before composing: PyYAML's composer recurses once per level
        if too_deep is not None:
            return _fail(file, too_deep, f"värdena är nästlade för djupt (över {MAX_DEPTH} nivåer)")
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return _fail(file, mark.line + 1 if mark else 1, f"YAML-syntaxfel: {exc.problem or 'okänt fel'}")
    except yaml.YAMLError as exc:  # pragma: no cover - all parser errors are marked in PyYAML
        return _fail(file, 1, f"YAML-fel: {exc}")
    if root is None:
        return _fail(file, 1, "filen är tom")
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except _Refused as refused:
        return _fail(file, refused.line, refused.message)
    return LocatedYaml(file, data, builder.lines, builder.issues)
