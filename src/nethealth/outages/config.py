"""Settings of outage detection (environment NETHEALTH_OUTAGES_*, read when asked for)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OutageSettings(BaseSettings):
    """Publisher base URLs (real archives by default; a mirror or file:// for tests and the
    demo) and detection defaults."""

    model_config = SettingsConfigDict(env_prefix="NETHEALTH_OUTAGES_", extra="ignore")

    ris_base_url: str = "https://data.ris.ripe.net"
    routeviews_base_url: str = "https://archive.routeviews.org"
    atlas_dumps_base_url: str = "https://data-store.ripe.net/datasets/atlas-daily-dumps"
    atlas_probes_base_url: str = "https://ftp.ripe.net/ripe/atlas/probes/archive"
    history_hours: int = Field(
        default=24, ge=1, le=24 * 14, description="Signal history computed before --from"
    )
    geo: str = Field(default="auto", description="Country map: auto, rir or ipdb")
    max_bins: int = Field(default=40 * 288, description="Longest window one detection run takes")


def load_outage_settings(**overrides: object) -> OutageSettings:
    given = {k: v for k, v in overrides.items() if v is not None}
    return OutageSettings(**given)  # type: ignore[arg-type]
