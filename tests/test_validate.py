"""Validation of organisation files: every example is valid; broken variants fail with located messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from samverkan.orgconfig.validate import ValidationResult, validate_file, validate_text
from tests.conftest import EXAMPLE_FILES, EXAMPLES

FAGERSTA = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8")
LAPPLAND = (EXAMPLES / "sodra-lappland.yaml").read_text(encoding="utf-8")


def variant(old: str, new: str, base: str = FAGERSTA) -> tuple[str, ValidationResult]:
    assert base.count(old) == 1, f"the test's anchor must occur once: {old!r}"
    text = base.replace(old, new)
    return text, validate_text(text, "variant.yaml")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def only_error(result: ValidationResult) -> str:
    assert not result.ok
    assert len(result.errors) == 1, [str(i) for i in result.errors]
    return str(result.errors[0])


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_validates_without_errors(path: Path) -> None:
    result = validate_file(path)
    assert result.ok, [str(i) for i in result.issues]
    assert result.config is not None
    assert result.config.roles and result.config.bodies and result.config.cadences


def test_five_seed_examples_are_shipped() -> None:
    seeds = {"fagersta", "umea", "norsjo", "angered", "sodra-lappland"}
    county = {"lansstyrelsen-vastmanland", "jarnboda", "malmberga", "lansstyrelsen-dalarna", "gruvsjo"}  # issue 17
    assert {p.stem for p in EXAMPLE_FILES} == seeds | county


def test_unknown_key_is_located() -> None:
    text, result = variant('  kommunkod: "1982"\n', '  kommunkod: "1982"\n  colour: red\n')
    assert only_error(result) == f"variant.yaml:{line_of(text, 'colour')}: okänd nyckel (organisation.colour)"


def test_wrong_type_is_located_and_explained() -> None:
    text, result = variant("  population: 13391", "  population: många")
    message = only_error(result)
    assert message.startswith(f"variant.yaml:{line_of(text, 'population: många')}: ska vara ett heltal")
    assert "(organisation.population)" in message


def test_number_where_text_is_expected() -> None:
    text, result = variant('  kommunkod: "1982"', "  kommunkod: 1982")
    assert f":{line_of(text, 'kommunkod: 1982')}: ska vara text (fick 1982)" in only_error(result)


def test_unknown_role_in_assignment_names_the_known_roles() -> None:
    text, result = variant("{role: kso, person: karin,", "{role: ks0, person: karin,")
    message = only_error(result)
    assert message.startswith(f"variant.yaml:{line_of(text, 'role: ks0')}: okänd roll 'ks0' (kända: ")
    assert "kommunpolis" in message and "(assignments[2].role)" in message


def test_unknown_person_in_assignment() -> None:
    text, result = variant("{role: samordnare, person: maria,", "{role: samordnare, person: marja,")
    assert f":{line_of(text, 'person: marja')}: okänd person 'marja'" in only_error(result)


def test_unknown_body_member_and_chair() -> None:
    text, result = variant("    chair: kommundirektor\n", "    chair: direktor\n")
    assert f":{line_of(text, 'chair: direktor')}: okänd roll 'direktor'" in only_error(result)


def test_cadence_for_unknown_body_and_unknown_notify_target() -> None:
    text = FAGERSTA.replace(
        "    body: lokala-bra\n    schedule: {frequency: quarterly",
        "    body: lokalabra\n    schedule: {frequency: quarterly",
    )
    text = text.replace("notify: [samordnare]", "notify: [samordnaren]")
    result = validate_text(text, "v.yaml")
    messages = [str(i) for i in result.errors]
    assert len(messages) == 2
    assert messages[0].startswith(f"v.yaml:{line_of(text, 'body: lokalabra')}: okänd organ 'lokalabra'")
    assert messages[1].startswith(f"v.yaml:{line_of(text, 'notify: [samordnaren]')}: okänd roll eller organ")


IMPOSSIBLE_CADENCES = [
    ("frequency: monthly, day: 5,", "frequency: monthly, day: 31,", "dag 31 finns inte i alla månader"),
    (
        "frequency: biweekly, weekday: tuesday, start: 2027-01-05",
        "frequency: biweekly, weekday: tuesday",
        "varannan vecka behöver 'start'",
    ),
    (
        "frequency: biweekly, weekday: tuesday, start: 2027-01-05",
        "frequency: biweekly, weekday: monday, start: 2027-01-05",
        "startdatum 2027-01-05 är en tisdag, inte en måndag",
    ),
    ('time: "09:00", duration_minutes: 90', 'time: "02:30", duration_minutes: 90', "sommartid"),
    (
        'time: "09:00", duration_minutes: 90',
        'time: "25:00", duration_minutes: 90',
        "'25:00' är ingen klockslag",
    ),
    (
        "times_per_year: 6, months: [2, 3, 5, 9, 10, 12]",
        "times_per_year: 5",
        "5 gånger per år går inte att sprida jämnt",
    ),
    (
        "times_per_year: 6, months: [2, 3, 5, 9, 10, 12]",
        "times_per_year: 6, months: [2, 3, 5]",
        "'months' ska ange 6 olika månader, inte 3",
    ),
    (
        "frequency: quarterly, months: [3, 6, 9, 12]",
        "frequency: quarterly, months: [3, 6, 9, 11]",
        "fyra månader med tre månaders mellanrum",
    ),
    (
        "frequency: monthly, day: 5,",
        "frequency: monthly, day: 5, weekday: monday, week: 1,",
        "antingen 'day' eller 'weekday'",
    ),
    (
        "frequency: yearly, interval_years: 2, start: 2027-03-01,",
        "frequency: yearly, interval_years: 2,",
        "vart 2:e år behöver 'start'",
    ),
    ("frequency: monthly, day: 5,", "frequency: fortnightly, day: 5,", "'fortnightly' är inte tillåtet"),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), IMPOSSIBLE_CADENCES, ids=[case[2][:30] for case in IMPOSSIBLE_CADENCES]
)
def test_impossible_cadence_is_refused_with_its_line(old: str, new: str, expected: str) -> None:
    text, result = variant(old, new)
    message = only_error(result)
    assert expected in message
    line = int(message.split(":")[1])
    assert line == line_of(text, new.split(",")[0].strip()) or abs(line - line_of(text, new[:20])) <= 1


def test_assignment_ending_before_it_starts() -> None:
    text, result = variant(
        "{role: kso, person: karin, from: 2023-01-01, to: 2026-12-31}",
        "{role: kso, person: karin, from: 2023-01-01, to: 2022-12-31}",
    )
    assert f":{line_of(text, 'to: 2022-12-31')}: slutdatum 2022-12-31 ligger före startdatum" in only_error(result)


def test_overlapping_assignment_of_same_person_and_role() -> None:
    text, result = variant(
        "  - {role: kommunpolis, person: johan, from: 2023-09-01}\n",
        "  - {role: kommunpolis, person: johan, from: 2023-09-01}\n"
        "  - {role: kommunpolis, person: johan, from: 2024-02-01}\n",
    )
    assert f":{line_of(text, 'from: 2024-02-01')}: johan har redan rollen kommunpolis" in only_error(result)


def test_inline_password_in_contact_route_is_refused() -> None:
    text, result = variant("${ELKS_USER}:${ELKS_PASSWORD}@", "${ELKS_USER}:hemligt123@")
    message = only_error(result)
    assert f":{line_of(text, 'hemligt123')}: lösenordet står i klartext" in message
    assert "(people[0].contacts[0])" in message


def test_secret_in_query_parameter_is_refused() -> None:
    old = "${FAGERSTA_EST_WORKFLOW}/${FAGERSTA_EST_SIGNATURE}/"
    _text, result = variant(old, "${FAGERSTA_EST_WORKFLOW}/?signature=abc123")
    assert "parametern 'signature' är en hemlighet i klartext" in only_error(result)


def test_malformed_environment_reference() -> None:
    _text, result = variant("${ELKS_PASSWORD}", "${elks password}")
    assert "miljövariabler skrivs ${NAMN}" in only_error(result)


def test_url_that_apprise_does_not_know_is_a_located_error() -> None:
    text, result = variant('url: "46elks://', 'url: "smoke-signals://')
    assert f":{line_of(text, 'smoke-signals')}: Apprise känner inte igen adressen (smoke-signals://...)" in (
        only_error(result)
    )


def test_retired_msteams_scheme_is_a_warning_that_explains() -> None:
    old = '"workflows://prod-00.swedencentral.logic.azure.com:443/${FAGERSTA_EST_WORKFLOW}/${FAGERSTA_EST_SIGNATURE}/"'
    text, result = variant(old, '"msteams://${TEAMS_A}/${TEAMS_B}/${TEAMS_C}"')
    assert result.ok
    assert len(result.issues) == 1
    warning = str(result.issues[0])
    assert warning.startswith(f"variant.yaml:{line_of(text, 'msteams://')}: varning: ")
    assert "workflows://" in warning


def test_joint_area_needs_at_least_two_kommuner() -> None:
    text = LAPPLAND
    for key in ("vilhelmina", "storuman", "sorsele", "mala", "asele"):
        text = "\n".join(line for line in text.splitlines() if key not in line) + "\n"
    result = validate_text(text, "lappland.yaml")
    assert any("ett samverkansområde behöver minst två kommuner" in str(i) for i in result.errors)


def test_agreement_party_without_signatory_role() -> None:
    text, result = variant(
        "{key: kso-mala, name: Kommunstyrelsens ordförande Malå, party: mala, signatory: true, function: kso}",
        "{key: kso-mala, name: Kommunstyrelsens ordförande Malå, party: mala, function: kso}",
        base=LAPPLAND,
    )
    message = only_error(result)
    assert f":{line_of(text, 'agreement:')}: parten 'mala' har ingen roll med 'signatory: true'" in message


def test_a_key_may_not_be_both_role_and_body() -> None:
    text, result = variant("\ncadences:\n", "  - {key: kso, name: Arbetsgrupp KSO, kind: arbetsgrupp}\n\ncadences:\n")
    assert f":{line_of(text, 'key: kso, name: Arbetsgrupp')}: 'kso' är både en roll och ett organ" in (
        only_error(result)
    )


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = FAGERSTA.replace("  population: 13391", "  population: -5")
    text = text.replace("  county: Västmanlands län", "  county: Västmanlands län\n  colour: red")
    text = text.replace("kind: est\n", "kind: est-grupp\n")
    result = validate_text(text, "many.yaml")
    assert len(result.errors) == 3
    assert [i.line for i in result.errors] == sorted(i.line for i in result.errors)


def test_missing_required_field_points_at_its_parent() -> None:
    text, result = variant("  - key: est\n    name: EST-gruppen Fagersta\n", "  - key: est\n")
    message = only_error(result)
    assert f":{line_of(text, '  - key: est')}: obligatoriskt fält saknas (bodies[2].name)" in message


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    missing = validate_file(tmp_path / "saknas.yaml")
    assert str(missing.issues[0]).endswith(":0: filen finns inte")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("namn: Umeå\n".encode("latin-1"))
    assert "inte UTF-8" in str(validate_file(latin1).issues[0])


def test_est_meetings_must_be_held_by_an_est_group() -> None:
    old = "    trigger: est_meeting\n    title: EST-möte\n    body: est\n"
    text, result = variant(old, "    trigger: est_meeting\n    title: EST-möte\n    body: lokala-bra\n")
    message = only_error(result)
    assert f":{line_of(text, 'body: lokala-bra')}: EST-möten hålls av en EST-grupp, inte 'lokala-bra'" in message
