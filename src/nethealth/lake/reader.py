"""Read access to the lake catalog for the API and the web pages.

Builds replace catalog.duckdb atomically, so a long-lived reader keeps one read-only connection and
reopens it when the file's identity (inode, mtime, size) changes. Queries always bind parameters.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from nethealth.errors import LakeUnavailableError
from nethealth.lake.catalog import open_catalog
from nethealth.settings import Settings

log = logging.getLogger(__name__)

BUILD_HINT = "run `nethealth build` (or `nethealth demo` for the offline demo), then reload"


@dataclass(frozen=True)
class CountryRow:
    cc: str
    alpha3: str | None
    numeric: str | None
    name: str
    official_name: str | None
    name_fr: str | None
    name_es: str | None
    region: str | None
    subregion: str | None
    intermediate_region: str | None


@dataclass(frozen=True)
class ValueRow:
    indicator_id: str
    country: str
    date: date
    value: float | None
    simulated: bool
    method_version: str | None
    status: str = "measured"
    reason: str = ""


@dataclass(frozen=True)
class ProvenanceRow:
    source_id: str
    snapshot: str
    name: str
    url: str
    licence: str
    fetched_at: str
    upstream_modified: str | None
    sha256: str
    size: int
    simulated: bool
    integrity: str | None = None  # complete | damaged | None: no build step read it in full
    damage: str | None = None  # what was wrong with it and what was lost


@dataclass(frozen=True)
class BuildStepRow:
    step_id: str
    version: str
    built_at: str


@dataclass(frozen=True)
class SourceSummaryRow:
    """What the lake was built from, per source: its newest snapshot, when a file of it was
    last stored, how many files and bytes."""

    source_id: str
    newest: date | None
    last_fetched: str | None
    files: int
    bytes: int
    simulated: bool


@dataclass(frozen=True)
class BuildNoteRow:
    kind: str  # note | size_jump | mixed_periods
    level: str  # info | warning
    subject: str
    message: str
    step_id: str | None
    built_at: str | None


_COUNTRY_COLS = (
    "cc, alpha3, numeric, name, official_name, name_fr, name_es, region, subregion, "
    "intermediate_region"
)
_VALUE_COLS = "indicator_id, country, date, value, simulated, method_version, status, reason"
# NaN is not a measurement; NULL and NaN values are never a "latest" measured value.
_HAS_VALUE = "value IS NOT NULL AND NOT isnan(value)"


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else float(value)


def _value_row(row: tuple[Any, ...]) -> ValueRow:
    return ValueRow(
        indicator_id=row[0],
        country=row[1],
        date=row[2],
        value=_finite(row[3]),
        simulated=bool(row[4]),
        method_version=row[5],
        status=row[6] or "measured",
        reason=row[7] or "",
    )


class LakeReader:
    """Thread-safe access to the catalog: one cursor per query, reopened after a rebuild.

    DuckDB hands a second connect() to an open file its cached instance (the *old* file after
    an atomic replace), so a reopen first waits for running queries, then closes the old one.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._cond = threading.Condition()
        self._active = 0
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int] | None = None

    @property
    def path(self) -> Path:
        return self._settings.catalog_path

    def _current_stamp(self) -> tuple[int, int, int]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            # No server paths in public messages: the hint says what to do.
            raise LakeUnavailableError("the lake has not been built yet", hint=BUILD_HINT) from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the current catalog; the caller must `_release` it."""
        stamp = self._current_stamp()
        with self._cond:
            if self._con is None or stamp != self._stamp:
                while self._active:
                    self._cond.wait()
                if self._con is not None:
                    self._con.close()
                    self._con = None
                try:
                    self._con = open_catalog(self._settings)
                except duckdb.Error as exc:
                    log.warning("cannot open catalog %s: %s", self.path, exc)
                    raise LakeUnavailableError(
                        "the lake catalog cannot be opened", hint=BUILD_HINT
                    ) from exc
                self._stamp = stamp
            cursor = self._con.cursor()
            self._active += 1
            return cursor

    def _release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            while self._active:
                self._cond.wait()
            if self._con is not None:
                self._con.close()
            self._con = None
            self._stamp = None

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read-only query with bound parameters; a missing dataset is a 503."""
        cur = self._acquire()
        try:
            return cur.execute(sql, list(params)).fetchall()
        except duckdb.CatalogException as exc:
            log.warning("incomplete catalog %s: %s", self.path, exc)
            raise LakeUnavailableError(
                "the lake is incomplete: a dataset this page needs is missing", hint=BUILD_HINT
            ) from exc
        except duckdb.IOException as exc:
            log.warning("unreadable dataset under %s: %s", self.path, exc)
            raise LakeUnavailableError(
                "a dataset of the lake cannot be read (a build may be replacing it)",
                hint=BUILD_HINT,
            ) from exc
        finally:
            self._release(cur)

    # Countries ---------------------------------------------------------------------------------

    def countries(self) -> list[CountryRow]:
        rows = self.query(f"SELECT {_COUNTRY_COLS} FROM countries ORDER BY name, cc")
        return [CountryRow(*r) for r in rows]

    def country(self, cc: str) -> CountryRow | None:
        rows = self.query(f"SELECT {_COUNTRY_COLS} FROM countries WHERE cc = ?", [cc])
        return CountryRow(*rows[0]) if rows else None

    # Indicator values --------------------------------------------------------------------------

    def latest_values(self, indicator_id: str | None = None) -> list[ValueRow]:
        """Per indicator and country the most recent measured value or, when it has none, its
        most recent row (null, with the status and reason saying why)."""
        rows = self.query(
            f"""
            SELECT {_VALUE_COLS} FROM indicator_values
            WHERE (CAST(? AS VARCHAR) IS NULL OR indicator_id = ?)
            QUALIFY row_number() OVER (
                PARTITION BY indicator_id, country
                ORDER BY ({_HAS_VALUE}) DESC, date DESC
            ) = 1
            ORDER BY indicator_id, country
            """,
            [indicator_id, indicator_id],
        )
        return [_value_row(r) for r in rows]

    def series(
        self,
        *,
        indicator_id: str | None = None,
        countries: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[ValueRow]:
        """Values in date order; every filter is optional."""
        country_list = list(countries) if countries else None
        rows = self.query(
            f"""
            SELECT {_VALUE_COLS} FROM indicator_values
            WHERE (CAST(? AS VARCHAR) IS NULL OR indicator_id = ?)
              AND (CAST(? AS VARCHAR[]) IS NULL OR list_contains(?, country))
              AND (CAST(? AS DATE) IS NULL OR date >= ?)
              AND (CAST(? AS DATE) IS NULL OR date <= ?)
            ORDER BY indicator_id, country, date
            """,
            [indicator_id, indicator_id, country_list, country_list, start, start, end, end],
        )
        return [_value_row(r) for r in rows]

    def last_date(self, indicator_id: str) -> date | None:
        rows = self.query(
            "SELECT max(date) FROM indicator_values WHERE indicator_id = ?", [indicator_id]
        )
        value: date | None = rows[0][0] if rows else None
        return value

    # Provenance --------------------------------------------------------------------------------

    def provenance(self, source_ids: Sequence[str] | None = None) -> list[ProvenanceRow]:
        ids = list(source_ids) if source_ids is not None else None
        # catalogs written before the integrity columns existed read them as NULL
        have = {
            r[0]
            for r in self.query(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = '_provenance'"
            )
        }
        checks = ", ".join(c if c in have else f"NULL AS {c}" for c in ("integrity", "damage"))
        rows = self.query(
            f"""
            SELECT source_id, snapshot, name, url, licence, fetched_at, upstream_modified,
                   sha256, size, simulated, {checks}
            FROM _provenance
            WHERE CAST(? AS VARCHAR[]) IS NULL OR list_contains(?, source_id)
            ORDER BY source_id, snapshot, name
            """,
            [ids, ids],
        )
        return [
            ProvenanceRow(
                source_id=r[0],
                snapshot=r[1],
                name=r[2],
                url=r[3],
                licence=r[4],
                fetched_at=r[5],
                upstream_modified=r[6],
                sha256=r[7],
                size=int(r[8] or 0),
                simulated=bool(r[9]),
                integrity=r[10],
                damage=r[11],
            )
            for r in rows
        ]

    def source_summaries(self) -> list[SourceSummaryRow]:
        rows = self.query(
            """
            SELECT source_id, max(TRY_CAST(snapshot AS DATE)), max(fetched_at), count(*),
                   coalesce(sum(size), 0), bool_or(simulated)
            FROM _provenance GROUP BY source_id ORDER BY source_id
            """
        )
        return [SourceSummaryRow(r[0], r[1], r[2], int(r[3]), int(r[4]), bool(r[5])) for r in rows]

    def build_notes(self) -> list[BuildNoteRow]:
        """The build's notes and checks (`_build_notes`; empty for catalogs older than it)."""
        have = self.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '_build_notes'"
        )
        if not have or not have[0][0]:
            return []
        rows = self.query(
            "SELECT kind, level, subject, message, step_id, built_at FROM _build_notes "
            "ORDER BY kind, subject, message"
        )
        return [BuildNoteRow(*r) for r in rows]

    def build_steps(self) -> list[BuildStepRow]:
        rows = self.query("SELECT step_id, version, built_at FROM _build_steps ORDER BY step_id")
        return [BuildStepRow(*r) for r in rows]
