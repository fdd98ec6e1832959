"""Contact routes: channels, secrets resolved only when sending, never shown."""

from __future__ import annotations

import pytest

from samverkan.models.enums import ContactChannel
from samverkan.orgconfig.routes import MissingSecretError, channel_of, check_route, redact, resolve

MAIL = "mailto://${SMTP_USER}:${SMTP_PASSWORD}@smtp.kommun.example?to=a@kommun.example"


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        (MAIL, ContactChannel.EMAIL),
        ("workflows://prod.example:443/${A}/${B}/", ContactChannel.TEAMS),
        ("slack://${A}/${B}/${C}/#trygghet", ContactChannel.SLACK),
        ("46elks://${U}:${P}@+46700000000/+46700000101", ContactChannel.SMS),
        ("json://127.0.0.1:8099/hook", ContactChannel.WEBHOOK),
        ("ntfy://example/topic", ContactChannel.OTHER),
    ],
)
def test_channel_follows_the_scheme(url: str, channel: ContactChannel) -> None:
    assert channel_of(url) is channel


def test_valid_routes_have_no_findings() -> None:
    for url in (MAIL, "json://127.0.0.1:8099/hook", "slack://${A}/${B}/${C}/#kanal"):
        assert check_route(url) == []


def test_resolve_fills_in_secrets_from_the_environment_only_when_asked() -> None:
    env = {"SMTP_USER": "samverkan", "SMTP_PASSWORD": "s3cr3t"}
    assert resolve(MAIL, env) == "mailto://samverkan:s3cr3t@smtp.kommun.example?to=a@kommun.example"
    with pytest.raises(MissingSecretError, match="SMTP_PASSWORD är inte satt"):
        resolve(MAIL, {"SMTP_USER": "x"})


def test_redact_shows_scheme_and_host_only() -> None:
    assert redact(MAIL) == "mailto://smtp.kommun.example/…"
    assert "s3cr3t" not in redact("mailto://u:s3cr3t@smtp.kommun.example")
    assert redact("46elks://${U}:${P}@+46700000000/+46701") == "46elks://+46700000000/…"


def test_secrets_can_come_from_a_file_outside_the_organisation_config(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    secrets = tmp_path / "hemligheter.env"
    secrets.write_text("# SMTP för Fagersta\nSMTP_USER=samverkan\nSMTP_PASSWORD = från-fil\n", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("SMTP_USER", raising=False)
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    assert resolve(MAIL) == "mailto://samverkan:från-fil@smtp.kommun.example?to=a@kommun.example"
    monkeypatch.setenv("SMTP_PASSWORD", "från-miljön")  # the environment wins over the file
    assert ":från-miljön@" in resolve(MAIL)
    secrets.write_text("inte en rad\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"hemligheter.env:1: raden ska vara NAMN=värde"):
        resolve(MAIL)
