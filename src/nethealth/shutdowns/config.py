"""The shutdown tracker's part of `nethealth.settings.Settings`, with the curators parsed:
shutdowns_stop_url      the publisher's CSV export of the STOP sheet
shutdowns_curators      name=token pairs, comma-separated, for the write API
shutdowns_api_token     one token (curator name "api") when names are not needed
Every token has at least MIN_TOKEN_LENGTH (16) characters; a shorter one is a ConfigError when
the app starts (`nethealth.server.app.create_app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nethealth.errors import ConfigError
from nethealth.settings import Settings

# The #KeepItOn STOP workbook (Google Sheets) exported as CSV; `gid` selects a tab.
DEFAULT_STOP_URL = (
    "https://docs.google.com/spreadsheets/d/1DvPAuHNLp5BXGb0nnZDGNoiIwEeu2ogdXEIDvT4Hyfk/"
    "export?format=csv"
)


@dataclass(frozen=True)
class ShutdownSettings:
    stop_url: str = DEFAULT_STOP_URL
    # token → curator name; empty means the write API is closed.
    curators: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> ShutdownSettings:
        curators = _parse_curators(settings.shutdowns_curators)
        single = settings.shutdowns_api_token.strip()
        if single:
            if len(single) < MIN_TOKEN_LENGTH:
                raise ConfigError(
                    f"NETHEALTH_SHUTDOWNS_API_TOKEN is {len(single)} characters long; a curation "
                    f"token needs at least {MIN_TOKEN_LENGTH}",
                    hint="e.g. NETHEALTH_SHUTDOWNS_API_TOKEN=$(openssl rand -hex 24)",
                )
            curators.setdefault(single, "api")
        return cls(
            stop_url=settings.shutdowns_stop_url.strip() or DEFAULT_STOP_URL,
            curators=curators,
        )


MIN_TOKEN_LENGTH = 16


def _parse_curators(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, sep, token = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                "NETHEALTH_SHUTDOWNS_CURATORS must be name=token pairs separated by commas",
                hint="e.g. alice=$(openssl rand -hex 24),bob=$(openssl rand -hex 24)",
            )
        if len(token.strip()) < MIN_TOKEN_LENGTH:
            # The name, never the token: messages end up in logs.
            raise ConfigError(
                f"NETHEALTH_SHUTDOWNS_CURATORS: the token of {name.strip()!r} is "
                f"{len(token.strip())} characters long; a curation token needs at least "
                f"{MIN_TOKEN_LENGTH}",
                hint="e.g. alice=$(openssl rand -hex 24),bob=$(openssl rand -hex 24)",
            )
        out[token.strip()] = name.strip()
    return out
