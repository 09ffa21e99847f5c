"""What every route needs, built once by the app factory and reached through `get_context`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import Request

from nethealth.indicators.registry import Indicator
from nethealth.lake.reader import LakeReader
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo

IndicatorProvider = Callable[[], Sequence[Indicator]]
SourceProvider = Callable[[], Sequence[SourceInfo]]


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    lake: LakeReader
    # Providers rather than lists: the registry loads lazily, and tests inject their own.
    indicator_provider: IndicatorProvider
    source_provider: SourceProvider

    def indicators(self) -> list[Indicator]:
        return list(self.indicator_provider())

    def sources(self) -> list[SourceInfo]:
        return list(self.source_provider())


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.nethealth
    return ctx
