"""The shutdown tracker's part of `nethealth.settings.Settings`, with the curators parsed:
shutdowns_stop_url      the publisher's CSV export of the STOP sheet
shutdowns_curators      name=token pairs, comma-separated, for the write API
shutdowns_api_token     one token (curator name "api") when names are not needed
The curators' tokens are parsed by `nethealth.common.tokens.curator_tokens` (they open every
curated dataset): each has at least MIN_TOKEN_LENGTH (16) characters; a shorter one is a
ConfigError when the app starts (`nethealth.server.app.create_app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nethealth.common.tokens import curator_tokens
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
        return cls(
            stop_url=settings.shutdowns_stop_url.strip() or DEFAULT_STOP_URL,
            curators=curator_tokens(settings),
        )
