"""A located problem in a configuration file, printed as FILE:LINE: message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Path = tuple[str | int, ...]
Severity = Literal["fel", "varning"]


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int
    message: str
    path: Path = ()
    severity: Severity = "fel"

    def __str__(self) -> str:
        where = f" ({format_path(self.path)})" if self.path else ""
        prefix = "varning: " if self.severity == "varning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}{where}"


class ConfigError(Exception):
    """Raised when a configuration has errors; carries every issue, not only the first."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
