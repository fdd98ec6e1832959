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
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

from samverkan.core.issues import Severity
from samverkan.core.kinds import ContactChannel

ENV_REF = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
_PLACEHOLDER = "PH0"
SECRET_QUERY_KEYS = frozenset(
    {"pass", "password", "pwd", "token", "secret", "apikey", "api_key", "key", "signature", "auth", "sig", "code"}
)
# Any query parameter whose name contains one of these carries a secret (access_token, client_secret, sig ...).
_SECRET_QUERY_PARTS = ("pass", "pwd", "token", "secret", "key", "sig", "auth")
# Where each service keeps its tokens in the URL itself, as positions among host (0) and path segments (1 ...):
# slack://TokenA/TokenB/TokenC/#kanal (or slack://xoxb-token/#kanal), discord://webhook_id/webhook_token,
# tgram://bot_token/chat_id, workflows://host:port/workflow/signature, sns://key_id/secret_key/region.
_SECRET_POSITIONS: dict[str, frozenset[int]] = {
    "slack": frozenset({0, 1, 2}),
    "discord": frozenset({1}),
    "tgram": frozenset({0}),
    "workflows": frozenset({2}),
    "workflow": frozenset({2}),
    "powerautomate": frozenset({2}),
    "sns": frozenset({1}),
}
# The same services' own https:// addresses, which Apprise accepts too: (host suffix, path prefix, positions).
_WEB_HOOKS: tuple[tuple[str, tuple[str, ...], frozenset[int]], ...] = (
    ("hooks.slack.com", ("services",), frozenset({2, 3, 4})),
    ("discord.com", ("api", "webhooks"), frozenset({4})),
    ("discordapp.com", ("api", "webhooks"), frozenset({4})),
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
    try:
        findings.extend(_inline_secrets(_split(_with_placeholders(url))))
    except ValueError:
        return [RouteFinding("fel", f"'{url}' är ingen giltig adress")]
    if not any(f.severity == "fel" for f in findings) and not apprise_accepts(_with_placeholders(url)):
        findings.append(RouteFinding("fel", f"Apprise känner inte igen adressen ({scheme}://...)"))
    return findings


def apprise_accepts(url: str) -> bool:
    """Whether Apprise would make a notifier of this URL (`Apprise.instantiate` is not None), asking only the
    plugin that owns the scheme: importing every Apprise plugin costs validation ~0.3 s (issue 19). A service's own
    web address (https://hooks.slack.com/...) is offered to the plugins that read such addresses (the generated
    NATIVE table), the one its host suggests first; none of the others is imported."""
    import importlib

    from samverkan.orgconfig.apprise_schemes import NATIVE, SCHEMES

    owner = SCHEMES.get(scheme_of(url))
    prepared = url.replace("/#", "/%23")  # as apprise.plugins.url_to_dict does
    if owner is not None:
        plugin = getattr(importlib.import_module(owner[0]), owner[1])
        return _instantiable(plugin, plugin.parse_url(prepared))
    host = (_split(url).hostname or "").lower()
    hinted = [n for n in NATIVE if any(host.endswith(h) for h in _NATIVE_HOSTS.get(n[0].rsplit(".", 1)[-1], ()))]
    for module, name in [*hinted, *(n for n in NATIVE if n not in hinted)]:
        plugin = getattr(importlib.import_module(module), name)
        results = plugin.parse_native_url(prepared)
        if results:  # the first plugin that reads the address is the one Apprise would use
            return _instantiable(plugin, results)
    return False


# Which plugin a service's own host name suggests (only the order of asking; every NATIVE plugin may be asked).
_NATIVE_HOSTS: dict[str, tuple[str, ...]] = {
    "slack": ("hooks.slack.com",),
    "discord": ("discord.com", "discordapp.com"),
    "workflows": ("logic.azure.com", "powerplatform.com", "powerautomate.com"),
    "ntfy": ("ntfy.sh",),
    "google_chat": ("chat.googleapis.com",),
    "mattermost": ("mattermost.com",),
}


def _instantiable(plugin: Any, results: dict[str, Any] | None) -> bool:
    from apprise import AppriseAsset

    if not results or not plugin.enabled:
        return False
    try:
        notifier = plugin(**{**results, "tag": set(), "asset": AppriseAsset()})
    except Exception:  # Apprise's own instantiate treats any error here as "not a usable URL"
        return False
    return bool(notifier.enabled)


def _inline_secrets(parts: SplitResult) -> list[RouteFinding]:
    """Secrets written in the URL instead of as ${NAMN}: the password, token positions, secret parameters."""
    findings: list[RouteFinding] = []
    _userinfo, _, netloc = parts.netloc.rpartition("@")
    password = parts.password
    if password and _PLACEHOLDER not in password:
        findings.append(
            RouteFinding("fel", "lösenordet står i klartext; skriv det som en miljövariabel, t.ex. ${SMTP_LOSEN}")
        )
    segments = [netloc, *parts.path.split("/")[1:]]
    for position in sorted(_secret_positions(parts.scheme, segments)):
        if position < len(segments) and segments[position] and _PLACEHOLDER not in segments[position]:
            findings.append(
                RouteFinding(
                    "fel",
                    f"adressens token (del {position + 1} efter {parts.scheme}://) står i klartext; "
                    "skriv den som en miljövariabel, t.ex. ${SLACK_TOKEN}",
                )
            )
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        name = key.lower()
        secret = name in SECRET_QUERY_KEYS or any(part in name for part in _SECRET_QUERY_PARTS)
        if secret and value and _PLACEHOLDER not in value:
            findings.append(
                RouteFinding("fel", f"parametern '{key}' är en hemlighet i klartext; använd ${{MILJÖVARIABEL}}")
            )
    return findings


def _secret_positions(scheme: str, segments: list[str]) -> frozenset[int]:
    if scheme in _SECRET_POSITIONS:
        return _SECRET_POSITIONS[scheme]
    host = segments[0].split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        if host == "api.telegram.org":
            return frozenset(i for i, segment in enumerate(segments) if segment.startswith("bot"))
        for suffix, prefix, positions in _WEB_HOOKS:
            if host.endswith(suffix) and tuple(segments[1 : 1 + len(prefix)]) == prefix:
                return positions
    return frozenset()


def read_secrets_file(path: str | None) -> dict[str, str]:
    """NAME=value lines from a file kept outside the organisation config, read by the usual dotenv rules:
    `#` comments, blank lines, an optional `export`, quotes stripped ('single' literal, "double" with escapes).
    Nothing is interpolated: a `$` in a password stays a `$`."""
    if not path:
        return {}
    from dotenv.parser import parse_stream  # imported here: validation never reads the secrets file

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
