"""The scheme table (orgconfig/apprise_schemes.py) is Apprise's own, and checking a route through it answers
exactly as Apprise does: validation imports one plugin module instead of all of Apprise's (issue 19).

Regenerate the table after an Apprise upgrade: `.venv/bin/python tests/test_apprise_schemes.py`.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import apprise
import pytest
from apprise.manager_plugins import NotificationManager
from apprise.plugins.base import NotifyBase

from samverkan.orgconfig import apprise_schemes
from samverkan.orgconfig.routes import ENV_REF, apprise_accepts

TABLE = Path(apprise_schemes.__file__)
HEADER = '''"""Every URL scheme Apprise {version} supports and the plugin class that handles it.

Generated from Apprise by `python tests/test_apprise_schemes.py`; tests/test_apprise_schemes.py checks that it is
current, so an Apprise upgrade that adds, drops or moves a scheme fails the tests until the table is regenerated.
A route is checked by importing only its own plugin module instead of every plugin Apprise has (issue 19).
"""

APPRISE_VERSION = "{version}"

SCHEMES: dict[str, tuple[str, str]] = {{
'''
NATIVE_HEADER = """# The plugins that recognise their service's own web address (https://hooks.slack.com/..., a Teams
# workflow's https:// address ...): a route that is no Apprise scheme is offered to these alone, one at a time.
NATIVE: tuple[tuple[str, str], ...] = (
"""


def _reads_native_urls(plugin: type) -> bool:
    """Whether the plugin recognises its service's own web address (it overrides `parse_native_url`)."""
    own = inspect.getattr_static(plugin, "parse_native_url")
    return getattr(own, "__func__", own) is not inspect.getattr_static(NotifyBase, "parse_native_url").__func__


def generated_table() -> str:
    """The table's source text as the installed Apprise defines it."""
    manager = NotificationManager()
    manager.load_modules()
    rows = [
        f'    "{scheme}": ("{manager[scheme].__module__}", "{manager[scheme].__name__}"),\n'
        for scheme in sorted(manager.schemas())
    ]
    native = sorted({(p.__module__, p.__name__) for p in manager.plugins() if _reads_native_urls(p)})
    natives = [f'    ("{module}", "{name}"),\n' for module, name in native]
    return (
        HEADER.format(version=apprise.__version__) + "".join(rows) + "}\n\n" + NATIVE_HEADER + "".join(natives) + ")\n"
    )


def test_table_is_generated_from_the_installed_apprise() -> None:
    assert TABLE.read_text(encoding="utf-8") == generated_table(), (
        "Apprise's schemes have changed: run .venv/bin/python tests/test_apprise_schemes.py"
    )


# Routes of every kind the project uses, good and bad, plus schemes Apprise knows only as native web addresses.
URLS = [
    "mailto://kontakt:${SMTP_LOSEN}@smtp.example.se?to=trygghet@example.se",
    "mailtos://smtp.example.se?to=a@example.se",
    "mailto://",
    "mailto://@",
    "46elks://${ELKS_USER}:${ELKS_PASSWORD}@+46700000000/+46700000101",
    "46elks://user@+46700000000",
    "workflows://prod-00.swedencentral.logic.azure.com:443/${W}/${S}/",
    "workflows://prod-00.swedencentral.logic.azure.com:443/",
    "slack://${A}/${B}/${C}/#kanal",
    "slack://",
    "tgram://${T}/123456",
    "discord://123/${TOKEN}",
    "json://hooks.example.se/samverkan",
    "xml://",
    "sns://${K}/${S}/eu-north-1/+46700000000",
    "twilio://${SID}:${TOKEN}@+46700000000/+46700000101",
    "nosuchscheme://example.se",
    "https://hooks.slack.com/services/${A}/${B}/${C}",
    "https://discord.com/api/webhooks/123/${TOKEN}",
    "https://teams.example/dalarna",
    "https://prod-00.swedencentral.logic.azure.com:443/workflows/${W}/triggers/manual/paths/invoke?sig=${S}",
    "https://ntfy.sh/samverkan-fagersta",
    "http://example.se/hook",
]


@pytest.mark.parametrize("url", URLS)
def test_the_table_answers_as_apprise_does(url: str) -> None:
    plain = ENV_REF.sub("PH0", url)  # as check_route hands it over
    assert apprise_accepts(plain) == (apprise.Apprise.instantiate(plain) is not None), url


if __name__ == "__main__":
    TABLE.write_text(generated_table(), encoding="utf-8")
    print(f"skrev {TABLE}")
