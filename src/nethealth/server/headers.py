"""The security headers every response carries: pages, API answers, static files and every
error (400, 404, 413, 500, 503 and the HTML error page alike)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders

# No CDN, no inline script: everything comes from this server. SVG presentation attributes are
# not styles, so no 'unsafe-inline' is needed either. X-Frame-Options repeats frame-ancestors
# for browsers that predate CSP 2.
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def add_security_headers(headers: MutableHeaders) -> None:
    """Set every security header the response does not set itself."""
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
