"""Which reverse proxies' X-Forwarded-For/-Proto are believed: only those configured in
SAMVERKAN_TRUSTED_PROXIES (comma-separated addresses or networks; none by default). Every place that starts
uvicorn passes these options, since uvicorn by itself trusts loopback, and the login limit per client must
not be escaped by rotating a header."""

from __future__ import annotations

import os
from typing import Any

TRUSTED_PROXIES = "SAMVERKAN_TRUSTED_PROXIES"


def trusted_proxies() -> str:
    return os.environ.get(TRUSTED_PROXIES, "").strip()


def uvicorn_proxy_options(trusted: str | None = None) -> dict[str, Any]:
    """uvicorn's proxy options: proxy headers only from the given (else configured) proxies."""
    trusted = trusted_proxies() if trusted is None else trusted.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}
