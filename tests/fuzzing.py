"""A mutation fuzzer for everything Samverkan reads from files: organisation files, process definitions, CSV.

Each case mutates a real file (the examples, the built-in definitions, a good CSV) with hostile values and
structural damage, runs it through the same entry points as `samverkan validate`, `load`, `process validate`
and `measurements import`, and records what must never happen:

- a traceback (any exception other than the located, Swedish refusal the entry point promises);
- a hang (a case using more than HANG_SECONDS of CPU time: on a machine shared with other work the wall clock
  measures the neighbours too, so it is reported beside it, as the slowest case, but not judged);
- validate≠load: a file `validate` accepts that the database then refuses. On PostgreSQL the database itself
  answers; on SQLite (which stores anything) every row is also checked as PostgreSQL would store it.

Used by tests/test_fuzz.py (a few hundred cases in `make test`) and benchmarks/fuzz.py (thousands).
"""

from __future__ import annotations

import json
import math
import random
import re
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.issues import ConfigError
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.process.definition import DEFINITIONS_DIR, parse_definition
from samverkan.services.actor import Actor
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import ImportMeasurements
from samverkan.services.measurements import import_measurements

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
DEFINITIONS = sorted(DEFINITIONS_DIR.glob("*.yaml"))
HANG_SECONDS = 2.0
COORDINATOR = "maria.exempelsson@fagersta.example"

PERSONNUMMER = [
    "811218-9876", "811218–9876", "811218—9876", "811218−9876", "811218.9876", "811218/9876", "811218_9876",
    "81 12 18-9876", "811218-98 76", "811218\u200b-9876", "811218%2D9876", "19811218-9876", "8112189876",
    "701063-2391",
]  # fmt: skip
_BOMB = "b0: &b0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 9)
)
SCALARS = [
    "2027-02-30", "2027-13-01", "0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "2027-01-01T25:00:00",
    "9" * 4300, "9" * 5000, "2147483648", "-2147483649", "99999999999999999999", "0x7fffffffffffffff",
    "1e309", "-1e309", ".nan", ".inf", "-.inf", "1_000", "0o17", "1:30:00", "-1", "0", "1.5", "12:00",
    '"' + "x" * 201 + '"', '"' + "å" * 301 + '"', "x" * 12_000, '"a\\0b"', '"a\\x01b"', '"a\\eb"', '"\\ud800"',
    '"a\\u200bb"', '"a\\nb"', "null", "~", "''", "[]", "{}", "[1, 2]", "{a: 1}", "yes", "no", "true",
    "*nosuch", "&x v", "!!binary aGVsbG8=", "!!python/object/apply:os.system ['true']", "!!set {a, b}",
    "!!omap [a: 1]", "!!float x", "!!int 1.5", "!!str", "'${X}'", "'$X'",
    "slack://T000/B000/XXXX/#kanal", "discord://1234/abcdef", "tgram://123456789:AAHabc/12345",
    "workflows://prod.example:443/wf/plainsig/", "'json://host/p?access_token=abc'", "'jsons://h/p?sig=abc'",
    "https://hooks.slack.com/services/T0/B0/XYZ", "mailto://u:p@host", "json://[::1/x", "'x\\0@y.se'",
    "811218-9876@kommun.se", "A@B.SE", "'a@b.se\\t'", *PERSONNUMMER,
    # values on the edge that must be accepted and then stored: the fuzzer's check of validate = load
    "x" * 200, "å" * 200, "'" + "é" * 199 + " '", "2147483647", "1e308", "-1e308", "2199-12-31", "1900-01-01",
    "Åsa Öberg 😀", "'\u05e9\u05dc\u05d5\u05dd'", "e\u0301", "2027-03-12", "070-123 45 67", "KS 2027/1234", "0",
    *(f"Gäller {p} vid skolan" for p in PERSONNUMMER),
]  # fmt: skip
STRUCTURES = [
    _BOMB, "r: &r [*r]\n", "d: " + "[" * 60 + "]" * 60 + "\n", "d: " + "{a: " * 60 + "1" + "}" * 60 + "\n",
    "? [a, b]\n: 1\n", "%YAML 1.1\n---\n", "--- \n...\n", "a: 1\na: 2\n",
]  # fmt: skip
CHARS = ["\x00", "\t", "\x1b", ":", "-", "[", "{", "&", "*", "'", '"', "\u2028", "\ufeff", "#", "|", ">", " ", "\n"]


@dataclass
class Figures:
    """What a fuzz run found, by kind of input."""

    cases: int = 0
    accepted: int = 0
    refused: int = 0
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    validate_not_load: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    slowest: float = 0.0  # CPU seconds
    slowest_wall: float = 0.0

    @property
    def failures(self) -> list[str]:
        return [*self.tracebacks, *self.hangs, *self.validate_not_load, *self.english]

    def line(self, what: str) -> str:
        return (
            f"{what}: {self.cases} fall, {self.accepted} godtagna, {self.refused} avvisade, "
            f"{len(self.tracebacks)} tracebacks, {len(self.hangs)} häng > {HANG_SECONDS:g} s, "
            f"{len(self.validate_not_load)} validate≠load, {len(self.english)} engelska fel, "
            f"långsammast {self.slowest:.2f} s CPU ({self.slowest_wall:.2f} s väggtid)"
        )


# -- mutations ---------------------------------------------------------------------------------------


def mutate_yaml(text: str, rng: random.Random) -> str:
    """One to three mutations: a hostile value, structural damage or a hostile character."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        text = rng.choice(_YAML_MUTATIONS)(text, rng)
    return text


_FLOW_PAIR = re.compile(r"(\w+: )([^,{}\[\]]*)")


def _replace_value(text: str, rng: random.Random) -> str:
    """One value (block or inside a {flow: mapping}) replaced by a hostile scalar."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if ": " in line or line.lstrip().startswith("- ")]
    if not candidates:
        return text
    index = rng.choice(candidates)
    line, value = lines[index], rng.choice(SCALARS)
    pairs = list(_FLOW_PAIR.finditer(line)) if "{" in line else []
    if pairs:
        pair = rng.choice(pairs)
        flow_value = value if not any(c in value for c in ",{}[]") else json.dumps(value)
        lines[index] = line[: pair.start(2)] + flow_value + line[pair.end(2) :]
    else:
        head = line.split(": ", 1)[0] + ": " if ": " in line else line[: line.index("- ") + 2]
        lines[index] = head + value
    return "\n".join(lines)


def _line_damage(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    kind = rng.randrange(4)
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(j, lines[i])
    elif kind == 2:
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = ("  " + lines[i]) if rng.random() < 0.5 else lines[i][2:]
    return "\n".join(lines)


def _structure(text: str, rng: random.Random) -> str:
    addition = rng.choice(STRUCTURES)
    return addition + text if addition.startswith("%") else text.rstrip("\n") + "\n" + addition


def _characters(text: str, rng: random.Random) -> str:
    position = rng.randrange(len(text) + 1)
    if rng.random() < 0.2:
        return text[:position]  # truncated
    return text[:position] + rng.choice(CHARS) + text[position + rng.randint(0, 1) :]


_YAML_MUTATIONS: list[Callable[[str, random.Random], str]] = [
    _replace_value, _replace_value, _replace_value, _replace_value, _replace_value, _line_damage, _structure,
    _characters,
]  # fmt: skip

CSV_GOOD = "indikator;period;värde;preliminär;källa\nanmalda-brott;2021;11 204;;Brå\nntu-utsatthet;2021;17,4;ja;NTU\n"
CSV_VALUES = [
    "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e308", "1,5", "", "x", "1 000 000", "0x10",
    "2027", "2027-Q5", "2027-13", "٢٠٢٧", "2027\n", "x" * 201, "Brå\x00", "a\x01b", '"', '"a;b"', "ja", "\ufeff",
    *PERSONNUMMER, *(f"Källa {p}" for p in PERSONNUMMER), "ä" * 200, "1" * 400, "9" * 5000,
]  # fmt: skip


def mutate_csv(rng: random.Random) -> str:
    """The good CSV with hostile cells, extra or missing columns, odd delimiters, huge fields."""
    rows = [line.split(";") for line in CSV_GOOD.strip("\n").split("\n")]
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        row = rng.choice(rows[1:] if kind < 4 else rows)
        if kind < 4:
            row[rng.randrange(len(row))] = rng.choice(CSV_VALUES)
        elif kind == 4:
            row.append(rng.choice(CSV_VALUES))
        elif len(row) > 1:
            del row[rng.randrange(len(row))]
    text = "\n".join(";".join(row) for row in rows) + "\n"
    if rng.random() < 0.05:
        text += "anmalda-brott;2022;" + "1" * 200_000 + "\n"  # beyond csv's field limit
    if rng.random() < 0.1:
        text = _characters(text, rng)
    return text


# -- oracles -----------------------------------------------------------------------------------------


def _column_problem(column: sa.Column[Any], value: object) -> str | None:
    """Why PostgreSQL would refuse `value` in `column` (None when it would store it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return "NUL i text"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "ogiltigt tecken"
        length = getattr(column.type, "length", None)
        if length is not None and len(value) > length:
            return f"{len(value)} tecken > {length}"
    elif isinstance(value, bool) or value is None:
        return None
    elif isinstance(value, int) and isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.BigInteger):
        return None if -(2**31) <= value < 2**31 else f"heltalet {value} ryms inte i INTEGER"
    elif isinstance(value, float) and not math.isfinite(value):
        return f"talet {value}"
    elif isinstance(column.type, sa.JSON):
        try:
            dumped = json.dumps(value, allow_nan=False)
        except (ValueError, TypeError) as exc:
            return f"JSON: {exc}"
        return "NUL i JSON" if "\\u0000" in dumped else None
    return None


def _refuse(table: sa.Table, values: dict[str, Any]) -> None:
    """ValueError when PostgreSQL would refuse a row with these column values of `table`."""
    for column in table.columns:
        if column.key in values:
            problem = _column_problem(column, values[column.key])
            if problem:
                raise ValueError(f"PostgreSQL skulle vägra {table.name}.{column.key}: {problem}")


def as_postgresql_would(session: Session) -> None:
    """On SQLite: refuse every row PostgreSQL would refuse (SQLite stores anything). The objects the ORM flushes
    are checked before the flush; rows inserted as parameters (a bulk INSERT through the ORM, a Core insert on
    the session's connection, each row of an executemany) are checked before the statement runs."""

    def check(session: Session, _context: object, _instances: object) -> None:
        for row in [*session.new, *session.dirty]:
            table = getattr(type(row), "__table__", None)
            if table is not None:
                _refuse(table, {column.key: getattr(row, column.key, None) for column in table.columns})

    def check_parameters(
        _connection: object,
        statement: object,
        multiparams: list[dict[str, Any]],
        params: dict[str, Any],
        _options: object,
    ) -> None:
        if isinstance(statement, sa.Insert) and isinstance(statement.table, sa.Table):
            for values in multiparams or [params]:
                _refuse(statement.table, values)

    event.listen(session, "before_flush", check)
    event.listen(session.connection(), "before_execute", check_parameters)


@contextmanager
def _timed(figures: Figures, label: str) -> Iterator[None]:
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        yield
    except Exception:
        figures.tracebacks.append(f"{label}\n{traceback.format_exc(limit=6)}")
    finally:
        cpu = time.process_time() - started_cpu
        figures.slowest = max(figures.slowest, cpu)
        figures.slowest_wall = max(figures.slowest_wall, time.perf_counter() - started)
        if cpu > HANG_SECONDS:
            figures.hangs.append(f"{label}: {cpu:.1f} s CPU")
        figures.cases += 1


_ENGLISH = re.compile(r"\b(Input should|should be|Value error|Field required|is not a valid)\b")


def _english(figures: Figures, label: str, messages: list[str]) -> None:
    """A refusal must be Swedish: pydantic's English messages are findings too."""
    english = [message for message in messages if _ENGLISH.search(message)]
    if english:
        figures.english.append(f"{label}: {english[0][:200]}")


def _in_rolled_back_session(engine: Engine, work: Callable[[Session], None]) -> None:
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            as_postgresql_would(session)
        try:
            work(session)
            session.flush()
        finally:
            session.rollback()


def fuzz_organisation(text: str, label: str, engine: Engine, figures: Figures) -> None:
    """validate, then (when valid) load into the database: the load must succeed."""
    with _timed(figures, label):
        result = validate_text(text, "fuzz.yaml")
        if not result.ok:
            figures.refused += 1
            _english(figures, label, [issue.message for issue in result.issues])
            return
        figures.accepted += 1
        try:
            _in_rolled_back_session(engine, lambda session: _load(session, result))
        except Exception as exc:
            figures.validate_not_load.append(f"{label}: {type(exc).__name__}: {str(exc)[:300]}")


def _load(session: Session, result: Any) -> None:
    load_config(session, result)


def fuzz_definition(text: str, label: str, figures: Figures) -> None:
    with _timed(figures, label):
        try:
            parse_definition(text, "fuzz.yaml")
        except ConfigError as exc:
            figures.refused += 1
            _english(figures, label, [issue.message for issue in exc.issues])
            return
        figures.accepted += 1


def fuzz_csv(text: str, label: str, engine: Engine, figures: Figures) -> None:
    """Import into a database holding the Fagersta example: refused with located errors, or stored."""
    with _timed(figures, label):
        try:
            _in_rolled_back_session(engine, lambda session: _import(session, text))
        except ServiceError as exc:
            figures.refused += 1
            _english(figures, label, [str(exc)])
            return
        figures.accepted += 1


def _import(session: Session, text: str) -> None:
    import_measurements(
        session,
        Actor.simulated("fagersta", COORDINATOR, date(2027, 3, 1)),
        ImportMeasurements(text=text, file="fuzz.csv"),
    )


def run(engine: Engine, seed: int, organisations: int, definitions: int, csvs: int) -> dict[str, Figures]:
    """The whole fuzz run; `engine` is migrated and holds the Fagersta example (for the CSV import)."""
    rng = random.Random(seed)
    sources = {path: path.read_text(encoding="utf-8") for path in [*EXAMPLES, *DEFINITIONS]}
    figures = {"organisationsfiler": Figures(), "processdefinitioner": Figures(), "csv": Figures()}
    for case in range(organisations):
        path = EXAMPLES[case % len(EXAMPLES)]
        text = mutate_yaml(sources[path], rng)
        fuzz_organisation(text, f"{path.name} fall {case}", engine, figures["organisationsfiler"])
    for case in range(definitions):
        path = DEFINITIONS[case % len(DEFINITIONS)]
        fuzz_definition(mutate_yaml(sources[path], rng), f"{path.name} fall {case}", figures["processdefinitioner"])
    for case in range(csvs):
        fuzz_csv(mutate_csv(rng), f"csv fall {case}", engine, figures["csv"])
    return figures
