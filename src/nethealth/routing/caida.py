"""CAIDA's AS Relationships Dataset (serial-2) as a source: fetch, and pick the file in force.

Layout (the base URL is a setting, `caida_asrel_base_url`, so a mirror or `file://` works the
same): `{base}/YYYYMMDD.as-rel2.txt.bz2`, one file a month dated the 1st, base
https://publicdata.caida.org/datasets/as-relationships/serial-2. Lines are
`<provider-as>|<customer-as>|-1|<source>` and `<peer-as>|<peer-as>|0|<source>` (`#` comments);
`relationships.read_caida` parses them. Stored as raw/caida-asrel/<YYYY-MM-01>/<file name>.

The `routing` and `routing_incidents` steps use, per day, the stored file in force under the
as-of rule (`nethealth.common.asof`: the latest on or before the day within 62 days, never a
later one); without one they infer relationships from the day's paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from nethealth.lake.raw import RawFile, RawStore
from nethealth.routing import inference, relationships
from nethealth.settings import Settings
from nethealth.sources import common
from nethealth.sources.base import SourceInfo

SOURCE_ID = "caida-asrel"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="CAIDA AS Relationships Dataset (serial-2)",
    publisher="CAIDA (Center for Applied Internet Data Analysis, UC San Diego)",
    homepage="https://www.caida.org/catalog/datasets/as-relationships/",
    licence="CAIDA Acceptable Use Agreement (AUA) for Publicly Accessible Datasets",
    licence_url="https://publicdata.caida.org/datasets/as-relationships/caida-aua.pdf",
    attribution=(
        "The CAIDA AS Relationships Dataset, <date range used>. Publications using these data "
        "must cite them so and be reported to CAIDA (the AUA's terms)."
    ),
    description=(
        "Monthly AS relationships (provider-to-customer and peer-to-peer) that CAIDA infers "
        "from public BGP data with AS-Rank (Luckie et al., IMC 2013), plus links from Ark "
        "traceroutes and multilateral peering (serial-2)."
    ),
)
DEFAULT_BASE_URL = "https://publicdata.caida.org/datasets/as-relationships/serial-2"
Progress = Callable[[str, int, int], None]


def file_name(month: date) -> str:
    return f"{month.replace(day=1):%Y%m%d}.as-rel2.txt.bz2"


parse_month = common.parse_month


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    month: date,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> RawFile:
    """Download the serial-2 file of `month` (its 1st) into raw/caida-asrel."""
    return common.fetch_monthly(
        settings, store, source_id=SOURCE_ID, licence=SOURCE.licence, month=month,
        name=file_name(month.replace(day=1)),
        base_url=base_url or settings.caida_asrel_base_url, progress=progress,
    )  # fmt: skip


def method_label(raw: RawFile) -> str:
    """How `routing_relationships.method` names a CAIDA file: `caida-asrel:YYYY-MM-DD`."""
    return f"{SOURCE_ID}:{raw.provenance.snapshot}"


PathCounts = tuple[pa.Array, npt.NDArray[np.integer] | None]


class RelationshipSource:
    """Per day: the CAIDA file in force when one is stored (each parsed once), else inference
    from the day's paths with `method`. Returns (table, method label)."""

    def __init__(self, files: Sequence[RawFile], method: str = inference.DEFAULT_METHOD):
        self.files = list(files)
        self.method = method
        self._parsed: dict[str, pa.Table] = {}

    def for_day(self, day: date, paths: Callable[[], PathCounts]) -> tuple[pa.Table, str]:
        """`paths()` (called only when inference is needed): AS paths and, when they are
        distinct, the routes per path (else None)."""
        raw, _asof = common.file_in_force(SOURCE_ID, self.files, day)
        if raw is None:
            found, weights = paths()
            return inference.infer(found, self.method, weights), self.method
        key = str(raw.path)
        if key not in self._parsed:
            self._parsed[key] = relationships.read_caida(raw.path)
        return self._parsed[key], method_label(raw)


def with_method(table: pa.Table, method: str) -> pa.Table:
    """`routing_relationships` rows: the relationships plus where they came from."""
    n = table.num_rows
    return table.select(relationships.REL_SCHEMA.names).append_column(
        "method", pa.array([method] * n, pa.string())
    )
