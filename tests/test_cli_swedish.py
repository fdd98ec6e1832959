"""The command line speaks Swedish in Click's own messages too: unknown commands and options with "Menade du",
missing values, number types; flags named as the messages name them; counts with the right plural."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from samverkan.cli.main import app
from samverkan.core.labels import count_text

ENGLISH = re.compile(r"\b(Usage|Error|Did you mean|Missing|No such|Invalid value|is not a valid|integer|Try)\b")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("cycl",), "Okänt kommando 'cycl'. Menade du cycle?"),
        (("cycle", "stat"), "Menade du start eller status?"),
        (("validate", "--fro"), "Okänd flagga '--fro'. (Menade du någon av: '--from', '--to'?)"),
        (("cycle", "start", "--as"), "Flaggan '--as' behöver ett värde."),
        (("outbox", "retry", "--id", "x"), "Ogiltigt värde för '--id': 'x' är inget giltigt heltal."),
        (("validate",), "Argument saknas 'FIL...'."),
    ],
)
def test_clicks_own_messages_are_swedish(args: tuple[str, ...], expected: str) -> None:
    code, output = run(*args)
    assert code == 2, output
    assert expected in output and output.count("Fel:") == 1
    assert ENGLISH.findall(output) == [], output


def test_the_handover_flag_is_named_as_the_message_names_it() -> None:
    _code, output = run("handover", "--help")
    assert "--namn" in output  # the refusal for a new person says "ange namnet (--namn)"


def test_counts_take_the_right_plural() -> None:
    assert [count_text(n, "kommun", "kommuner") for n in (0, 1, 2)] == ["0 kommuner", "1 kommun", "2 kommuner"]
    assert count_text(1, "meddelande", "meddelanden") == "1 meddelande"


def test_refusals_name_fields_by_their_swedish_names_never_their_keys() -> None:
    from samverkan.services.errors import RefusedError
    from samverkan.services.privacy import no_personal_data

    with pytest.raises(RefusedError, match="fältet 'skäl'"):
        no_personal_data(skal="Gäller 19850101-1234")
    with pytest.raises(RefusedError, match="fältet 'operativt mål'"):
        no_personal_data(operativt_mal="19850101-1234")
