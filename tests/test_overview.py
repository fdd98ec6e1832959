"""The organisation overview from the service layer, and Swedish descriptions of schedules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.database import session_scope
from samverkan.orgconfig.describe import describe_schedule
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.services.errors import NotFoundError
from samverkan.services.overview import organisation_overview
from tests.conftest import EXAMPLES


def test_role_holders_follow_assignment_dates(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
    with Session(engine) as session:
        last_day = organisation_overview(session, "fagersta", date(2026, 12, 31))
        after = organisation_overview(session, "fagersta", date(2027, 1, 1))
    kso = {r.key: r for r in last_day.roles}["kso"]
    assert kso.holders == ["Karin Testström"]
    assert {r.key: r for r in after.roles}["kso"].holders == []
    assert [p["relation"] for p in after.parties] == ["kommun", "lansstyrelse", "polis"]
    assert after.agreement is not None and after.agreement["citizen_promise_years"] == 1
    indicators = {i.key: i for i in after.indicators}
    assert indicators["anmalda-brott"].baseline == "11 777 per 100 000 inv. (2020)"
    assert indicators["ntu-utsatthet"].national == "22,6 procent (2019)"


def test_unknown_organisation(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(NotFoundError, match="'ingenstans' finns inte"):
        organisation_overview(session, "ingenstans", date(2027, 1, 1))


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            {"frequency": "biweekly", "weekday": "tuesday", "start": "2027-01-05", "time": "09:00"},
            "varannan tisdag kl. 09:00 (från 2027-01-05)",
        ),
        ({"frequency": "monthly", "day": 5, "time": "10:00"}, "varje månad, den 5:e kl. 10:00"),
        (
            {
                "frequency": "quarterly",
                "months": [3, 6, 9, 12],
                "weekday": "thursday",
                "week": 2,
                "time": "13:00",
            },
            "varje kvartal (mar, jun, sep, dec), andra torsdagen kl. 13:00",
        ),
        (
            {
                "frequency": "yearly",
                "month": 11,
                "weekday": "wednesday",
                "week": -1,
                "interval_years": 2,
                "time": "10:00",
            },
            "vart 2:e år i november, sista onsdagen kl. 10:00",
        ),
        (
            {
                "frequency": "times_per_year",
                "times_per_year": 4,
                "weekday": "monday",
                "week": 1,
                "time": "15:00",
            },
            "4 gånger per år, första måndagen kl. 15:00",
        ),
        ({"frequency": "ad_hoc", "time": "09:00"}, "vid behov (extrainsatt)"),
    ],
)
def test_schedules_are_described_in_swedish(rule: dict[str, object], text: str) -> None:
    assert describe_schedule(rule) == text
