"""Files validated together: a länsstyrelse's county and its kommuner's files agree on who belongs to whom.

A kommun the county lists whose own file names another county board, and a kommun file that names the
länsstyrelse as its county board but is not in its county, are located warnings (each file is valid on its own;
together they disagree)."""

from __future__ import annotations

from samverkan.core.issues import ConfigIssue
from samverkan.orgconfig.validate import ValidationResult


def _warning(result: ValidationResult, path: tuple[str | int, ...], message: str) -> ConfigIssue:
    return ConfigIssue(result.file, result.line_of(path), message, path, "varning")


def county_issues(results: list[ValidationResult]) -> dict[str, list[ConfigIssue]]:
    """Warnings per file, for the files given together."""
    valid = [r for r in results if r.ok and r.config is not None]
    kommuner = {
        r.config.organisation.key: r for r in valid if r.config and r.config.organisation.kind != "lansstyrelse"
    }
    found: dict[str, list[ConfigIssue]] = {}
    for board in valid:
        assert board.config is not None
        county = board.config.county
        if county is None:
            continue
        key = board.config.organisation.key
        for index, kommun_key in enumerate(county.kommuner):
            kommun = kommuner.get(kommun_key)
            named = kommun.config.county_board if kommun and kommun.config else None
            if kommun is not None and (named is None or named.key != key):
                message = f"filen för '{kommun_key}' ({kommun.file}) anger inte '{key}' som county_board"
                found.setdefault(board.file, []).append(_warning(board, ("county", "kommuner", index), message))
        for kommun in kommuner.values():
            assert kommun.config is not None
            named = kommun.config.county_board
            if named is not None and named.key == key and kommun.config.organisation.key not in county.kommuner:
                message = f"'{key}' räknar inte {kommun.config.organisation.key} till länet ({board.file})"
                found.setdefault(kommun.file, []).append(_warning(kommun, ("county_board", "key"), message))
    return found
