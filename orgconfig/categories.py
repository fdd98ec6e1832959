"""The one vocabulary of lägesbild categories: what EST observations, weekly lägesbild contributions and the
county's monthly analysis are counted by.

A category is compared by its key: case, surrounding space and runs of space do not count, so "Skadegörelse",
" skadegörelse " and "SKADEGÖRELSE" are one category. An organisation file may list its own `categories`
(a länsstyrelse's file sets the county's); without one the default list below is the vocabulary. A category
given in another spelling is shown in the vocabulary's spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "Skadegörelse",
    "Klotter",
    "Nedskräpning",
    "Oro och otrygghet",
    "Narkotika",
    "Alkohol",
    "Våld",
    "Stöld",
    "Brand",
    "Ungdomar som samlas",
    "Hot och trakasserier",
    "Trafik",
)
_SPACE = re.compile(r"\s+")


def category_key(text: str) -> str:
    """The key two spellings of one category share: NFC, trimmed, single spaces, case folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


@dataclass(frozen=True)
class Vocabulary:
    """The categories in their shown spelling, looked up by key."""

    names: tuple[str, ...] = DEFAULT_CATEGORIES

    @classmethod
    def of(cls, names: Iterable[str] | None) -> Vocabulary:
        """The configured list (duplicates by key dropped, first spelling kept), or the default when empty."""
        seen: dict[str, str] = {}
        for name in names or ():
            cleaned = _SPACE.sub(" ", name).strip()
            if cleaned:
                seen.setdefault(category_key(cleaned), cleaned)
        return cls(tuple(seen.values())) if seen else cls()

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Vocabulary:
        value = settings.get("categories")
        return cls.of([str(v) for v in value] if isinstance(value, list) else None)

    def by_key(self) -> dict[str, str]:
        return {category_key(name): name for name in self.names}

    def canonical(self, text: str) -> str | None:
        """The vocabulary's spelling of `text`, or None when it is not a category of the vocabulary."""
        return self.by_key().get(category_key(text))

    def shown(self, text: str) -> str:
        """The vocabulary's spelling, or the text itself (trimmed) for a category outside it."""
        return self.canonical(text) or _SPACE.sub(" ", text).strip()


def duplicates(names: Iterable[str]) -> list[tuple[int, str, int]]:
    """Entries that repeat an earlier one by key: (index, name, index of the first)."""
    first: dict[str, int] = {}
    found = []
    for index, name in enumerate(names):
        key = category_key(name)
        if key in first:
            found.append((index, name, first[key]))
        else:
            first[key] = index
    return found
