"""What every source declares about itself: publisher, licence and the attribution to show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    publisher: str
    homepage: str
    licence: str
    licence_url: str
    attribution: str
    description: str
    fetchable: bool = True  # False: comes with an installed package, not downloaded
