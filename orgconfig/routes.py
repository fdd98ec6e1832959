"""Contact routes: Apprise URLs whose secrets are `${ENV_VAR}` references, never literal values.

A route is checked when the configuration is validated (so a bad URL is a located error at load time)
and resolved only at the moment of sending; resolved URLs are never stored or logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

from dotenv.parser import parse_stream

from samverkan.core.issues import Severity
from samverkan.models.enums import ContactChannel

ENV_REF = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
_PLACEHOLDER = "PH0"
SECRET_QUERY_KEYS = frozenset(
    {"pass", "password", "pwd", "token", "secret", "apikey", "api_key", "key", "signature", "auth"}
)
_CHANNELS: dict[str, ContactChannel] = {
    "mailto": ContactChannel.EMAIL,
    "mailtos": ContactChannel.EMAIL,
    "workflows": ContactChannel.TEAMS,
    "workflow": ContactChannel.TEAMS,
    "powerautomate": ContactChannel.TEAMS,
    "msteams": ContactChannel.TEAMS,
    "slack": ContactChannel.SLACK,
    "46elks": ContactChannel.SMS,
    "elks": ContactChannel.SMS,
    "twilio": ContactChannel.SMS,
    "sns": ContactChannel.SMS,
    "json": ContactChannel.WEBHOOK,
    "jsons": ContactChannel.WEBHOOK,
    "form": ContactChannel.WEBHOOK,
    "forms": ContactChannel.WEBHOOK,
    "xml": ContactChannel.WEBHOOK,
    "xmls": ContactChannel.WEBHOOK,
}


@dataclass(frozen=True)
class RouteFinding:
    severity: Severity
    message: str


class MissingSecretError(LookupError):
    """A route refers to an environment variable that is not set where it is being sent from."""


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def channel_of(url: str) -> ContactChannel:
    return _CHANNELS.get(scheme_of(url), ContactChannel.OTHER)


def env_references(url: str) -> list[str]:
    return ENV_REF.findall(url)


def _with_placeholders(url: str) -> str:
    return ENV_REF.sub(_PLACEHOLDER, url)


def _split(url: str) -> SplitResult:
    """urlsplit that also understands schemes urllib refuses (e.g. 46elks://, which starts with a digit)."""
    scheme, _, rest = url.partition("://")
    parts = urlsplit(f"x://{rest}")
    return parts._replace(scheme=scheme.lower())


def check_route(url: str) -> list[RouteFinding]:
    """Everything wrong with one route: syntax, inline secrets, retired services, unknown to Apprise."""
    if "://" not in url:
        return [RouteFinding("fel", f"'{url}' är ingen Apprise-adress (schema://...)")]
    scheme = scheme_of(url)
    leftover = ENV_REF.sub("", url)
    if "${" in leftover or "$" in leftover.split("?", 1)[0].split("@", 1)[0]:
        return [
            RouteFinding(
                "fel",
                "miljövariabler skrivs ${NAMN} med versaler, siffror och _ (till exempel ${SMTP_LOSEN})",
            )
        ]
    findings: list[RouteFinding] = []
    if scheme == "msteams":
        findings.append(
            RouteFinding(
                "varning",
                "Microsoft har avvecklat Teams-webhookar (Office 365-connectors) och Apprise stöder inte längre "
                "msteams://; meddelanden via denna väg kommer inte fram. Använd en Teams-arbetsflödes-URL: "
                "workflows://...",
            )
        )
        return findings
    parts = _split(_with_placeholders(url))
    if parts.password and parts.password != _PLACEHOLDER:
        findings.append(
            RouteFinding("fel", "lösenordet står i klartext; skriv det som en miljövariabel, t.ex. ${SMTP_LOSEN}")
        )
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in SECRET_QUERY_KEYS and value and value != _PLACEHOLDER:
            findings.append(
                RouteFinding("fel", f"parametern '{key}' är en hemlighet i klartext; använd ${{MILJÖVARIABEL}}")
            )
    if not any(f.severity == "fel" for f in findings):
        import apprise  # imported here: validation of files that have no routes stays fast

        if apprise.Apprise.instantiate(_with_placeholders(url)) is None:
            findings.append(RouteFinding("fel", f"Apprise känner inte igen adressen ({scheme}://...)"))
    return findings


def read_secrets_file(path: str | None) -> dict[str, str]:
    """NAME=value lines from a file kept outside the organisation config, read by the usual dotenv rules:
    `#` comments, blank lines, an optional `export`, quotes stripped ('single' literal, "double" with escapes).
    Nothing is interpolated: a `$` in a password stays a `$`."""
    if not path:
        return {}
    secrets: dict[str, str] = {}
    with Path(path).open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            number = binding.original.line
            if binding.error or (binding.key is not None and not ENV_REF.fullmatch("${" + binding.key + "}")):
                raise ValueError(f"{path}:{number}: raden ska vara NAMN=värde")
            if binding.key is None:
                continue  # a comment or a blank line
            if binding.value is None:
                raise ValueError(f"{path}:{number}: {binding.key} saknar '=' och värde")
            secrets[binding.key] = binding.value
    return secrets


def secret_values() -> dict[str, str]:
    """The secrets file (SAMVERKAN_SECRETS_FILE), overridden by the process environment."""
    return {**read_secrets_file(os.environ.get("SAMVERKAN_SECRETS_FILE")), **os.environ}


def url_encoded(value: str) -> str:
    """A secret made safe for any part of a URL: every ASCII character but letters, digits and `-._~` encoded
    (so `p@ss`, `#`, `/`, `:`, `?`, `%` stay inside the part they were written in); other letters kept as is."""
    return "".join(c if c.isalnum() or c in "-._~" or not c.isascii() else quote(c, safe="") for c in value)


def resolve(url: str, environ: Mapping[str, str] | None = None) -> str:
    """The sendable URL with secrets filled in, each URL-encoded (Apprise decodes every part it reads: user,
    password, path and query). Never store or log the result."""
    env = secret_values() if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match[1]
        if name not in env:
            raise MissingSecretError(f"miljövariabeln {name} är inte satt")
        return url_encoded(env[name])

    return ENV_REF.sub(substitute, url)


def redact(url: str) -> str:
    """A route fit for logs and screens: scheme and host only."""
    parts = _split(_with_placeholders(url))
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…" if host else f"{parts.scheme}://…"
