"""RPKI settings, derived from `nethealth.settings.Settings` (NETHEALTH_RPKI_* variables):
- rpki_vrp_url: the validator export to fetch (rpki-client JSON, routinator JSON or CSV).
- rpki_vrp_archive_url: a template for dated exports (`fetch --date`), with the placeholders
  {y} {m} {d} {ymd}, e.g. `https://mirror.example/rpki/{ymd}/vrps.json`.
- rpki_slurm: SLURM files (RFC 8416) applied when building `rpki_vrps`, separated by the OS
  path separator (`:` on Unix).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nethealth.settings import Settings


@dataclass(frozen=True)
class RpkiConfig:
    vrp_url: str
    vrp_archive_url: str | None = None
    slurm_files: tuple[Path, ...] = ()


def rpki_config(settings: Settings, **overrides: object) -> RpkiConfig:
    """The RPKI part of the settings, with explicit overrides (None = unset)."""
    values: dict[str, object] = {
        "vrp_url": settings.rpki_vrp_url,
        "vrp_archive_url": settings.rpki_vrp_archive_url,
        "slurm_files": tuple(Path(p) for p in settings.rpki_slurm.split(os.pathsep) if p),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return RpkiConfig(**values)  # type: ignore[arg-type]
