"""The personal-data rule: one function, used by every free-text input, with located, non-echoing messages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.privacy import (
    PersonalDataError,
    _candidates,
    _fold,
    _one_char,
    identity_numbers,
    normalise,
    refuse_personal_data,
    shown_count,
)
from samverkan.models import EstObservation
from samverkan.services import cycle, est, substance
from samverkan.services.errors import NotPermittedError, RefusedError
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver

PNR = "811218-9876"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("811218-9876", True),
        ("19811218-9876", True),
        ("8112189876", True),
        ("811218+9876", True),
        ("samordningsnummer 701063-2391", True),
        ("811218 9876", True),
        ("8112189875", False),  # bare digits failing the Luhn check
        ("Ring 0701234567", False),
        ("Möte 2027-03-01 kl 13", False),
        ("Antal: 1234567890", False),
        ("Skadegörelse vid torget, 4 fall", False),
    ],
)
def test_what_counts_as_a_personnummer(text: str, found: bool) -> None:
    assert bool(identity_numbers(text)) is found


def test_the_message_names_the_field_and_never_the_number() -> None:
    with pytest.raises(PersonalDataError) as refused:
        refuse_personal_data(text=f"Anmälan om {PNR} vid skolan")
    message = str(refused.value)
    assert message.startswith("fältet 'text' innehåller något som ser ut som ett personnummer")
    assert "(tecken 12)" in message and PNR not in message and "9876" not in message


def test_small_counts_are_suppressed() -> None:
    assert [shown_count(n) for n in (0, 1, 2, 3, 14)] == ["0", "<3", "<3", "3", "14"]


@pytest.fixture
def d(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", date(2027, 1, 11))
    driver.load(EXAMPLES / "fagersta.yaml")
    driver(cycle.start_cycle, SAMORDNARE)
    return driver


def test_an_observation_with_a_personnummer_is_refused_and_nothing_is_stored(d: Driver) -> None:
    """Refused at the boundary: the action's input model holds the guard for every text field."""
    with pytest.raises(ValidationError, match="innehåller något som ser ut som ett personnummer") as refused:
        d(
            est.report_observation,
            "lisa.faltare@fagersta.example",
            body_key="est",
            observed_on=date(2027, 1, 10),
            category="ungdomar samlas",
            area="Centrum",
            source_function="socialtjänsten",
            count=5,
            text=f"Samma pojke som förra veckan ({PNR})",
        )
    assert [error["loc"] for error in refused.value.errors()] == [("text",)]
    assert PNR not in str(refused.value) and "9876" not in str(refused.value)
    with Session(d.engine) as session:
        assert session.exec(select(EstObservation)).all() == []


def test_observations_are_aggregates_from_members_of_the_est_group(d: Driver) -> None:
    saved = d(
        est.report_observation,
        "lisa.faltare@fagersta.example",
        body_key="est",
        observed_on=date(2027, 1, 10),
        category="skadegörelse",
        area="Centrum",
        source_function="socialtjänsten",
        time_band="kväll",
        count=4,
    )
    assert (saved.count, saved.area, saved.time_band) == (4, "Centrum", "kväll")
    with pytest.raises(NotPermittedError, match="rapportera observationer till EST-gruppen Fagersta"):
        d(
            est.report_observation,
            "nils.fritidsson@fagersta.example",
            body_key="est",
            observed_on=date(2027, 1, 10),
            category="klotter",
            area="Centrum",
            source_function="fritid",
            count=1,
        )
    with pytest.raises(RefusedError) as refused:
        d(
            est.report_observation,
            KOMMUNPOLIS,
            body_key="est",
            observed_on=date(2027, 2, 1),
            category="klotter",
            area="Centrum",
            source_function="polisen",
            time_band="sent",
            severity=5,
        )
    assert str(refused.value).splitlines()[1:] == [
        "  - allvarlighetsgraden ska vara 1–3, inte 5",
        "  - tidsintervallet ska vara ett av morgon, dag, kväll, natt",
        "  - observationen kan inte vara gjord i framtiden (2027-02-01)",
    ]


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (substance.add_problem, {"title": f"Otrygghet kring {PNR}"}),
        (substance.add_problem, {"title": "Otrygghet", "description": f"Gäller {PNR}"}),
    ],
)
def test_free_text_elsewhere_is_checked_by_the_same_rule(d: Driver, call: object, kwargs: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="ser ut som ett personnummer") as refused:
        d(call, SAMORDNARE, **kwargs)  # type: ignore[arg-type]
    assert [error["loc"] for error in refused.value.errors()] == [(list(kwargs)[-1],)]


def test_evidence_and_decisions_are_checked_too(d: Driver) -> None:
    from samverkan.models.enums import EvidenceKind
    from samverkan.services.agreements import record_decision
    from tests.drive import evidence

    with pytest.raises(ValidationError, match=r"title\n.*ser ut som ett personnummer"):
        d(
            cycle.complete_item,
            KOMMUNPOLIS,
            "roller-och-ansvar",
            evidence(EvidenceKind.DOCUMENT, f"Utredning {PNR}", "diarium:1"),
        )
    with pytest.raises(ValidationError, match=r"text\n.*ser ut som ett personnummer"):
        d(record_decision, SAMORDNARE, body_key="styrgrupp", kind="beslut", title="Beslut", text=f"Insats för {PNR}")


def test_ascii_needs_no_folding_but_whitespace() -> None:
    """The guard folds runs of ASCII at once: for every ASCII character the per-character folding changes only
    whitespace (to a space)."""
    for char in map(chr, range(128)):
        assert _one_char(char) == (" " if char.isspace() else char), repr(char)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("0123456789 -%\u2013\u200b\uff11\t")))
def test_folding_a_text_is_folding_each_character(text: str) -> None:
    out: list[str] = []
    origin: list[int] = []
    _fold(text, 7, out, origin)
    expected = [(_one_char(char), 7 + index) for index, char in enumerate(text)]
    assert "".join(out) == "".join(folded for folded, _ in expected)
    assert origin == [index for folded, index in expected for _ in folded]


@given(st.text(alphabet=st.sampled_from("0123456789 -+/%aZ\t\u00e5\uff11"), max_size=40))
def test_the_shortcut_for_short_ascii_finds_what_normalising_finds(text: str) -> None:
    """identity_numbers skips normalising ASCII text without '%' and with fewer than ten digits; it finds the same
    spans as reading the normalised text always would."""
    plain, origin = normalise(text)
    expected = [(origin[start], origin[end - 1] + 1) for start, end in _candidates(plain)] if text else []
    assert identity_numbers(text) == expected
