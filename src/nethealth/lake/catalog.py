"""The DuckDB catalog: one view per Parquet dataset plus provenance tables, rebuilt atomically.

`_provenance` has one row per raw file with where it came from and, for files a build step read
in full, its integrity: `complete`, or `damaged` with what was lost (`damage`, and the reader's
offsets and counts as JSON in `damage_detail`); NULL when no step checked it (`checked_by`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from nethealth.errors import NotFoundError
from nethealth.lake.raw import Integrity, Provenance, load_integrity
from nethealth.lake.storage import atomic_path
from nethealth.settings import Settings

PROVENANCE_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("snapshot", pa.string()),
        ("name", pa.string()),
        ("url", pa.string()),
        ("licence", pa.string()),
        ("fetched_at", pa.string()),
        ("upstream_modified", pa.string()),
        ("sha256", pa.string()),
        ("size", pa.int64()),
        ("simulated", pa.bool_()),
        ("integrity", pa.string()),  # complete | damaged | NULL (not read in full by a step)
        ("damage", pa.string()),
        ("damage_detail", pa.string()),
        ("checked_by", pa.string()),
    ]
)


NOTES_SCHEMA = pa.schema(
    [(n, pa.string()) for n in ("kind", "level", "subject", "step_id", "message", "built_at")]
)


@dataclass(frozen=True)
class BuildNoteRow:
    """One row of `_build_notes`: a step's note (`kind` note), or what the build's checks
    found (`size_jump`, `mixed_periods`; `nethealth.lake.checks`)."""

    kind: str
    level: str  # info | warning
    subject: str  # the step, source or dataset it is about
    message: str
    step_id: str | None = None
    built_at: str | None = None


def _quote_ident(name: str) -> str:
    # Dataset names come from our own step definitions; quoting still guards odd characters.
    return '"' + name.replace('"', '""') + '"'


def write_catalog(
    settings: Settings,
    provenance: list[Provenance],
    state: dict[str, dict[str, object]],
    notes: Sequence[BuildNoteRow] = (),
) -> Path:
    """Create catalog.duckdb beside the lake: views over every dataset, provenance, build state
    and the build's notes."""
    dest = settings.catalog_path
    datasets = sorted(p for p in settings.lake_dir.glob("*.parquet") if not p.name.startswith("."))
    with atomic_path(dest) as tmp:
        tmp.unlink()  # duckdb wants to create the file itself
        con = duckdb.connect(str(tmp))
        try:
            for path in datasets:
                # DDL cannot bind parameters; the path is ours and quoted as a SQL string literal.
                literal = "'" + str(path.resolve()).replace("'", "''") + "'"
                con.execute(
                    f"CREATE VIEW {_quote_ident(path.stem)} AS SELECT * FROM read_parquet({literal})"
                )
            found = load_integrity(settings.lake_dir)
            rows = [_provenance_row(p, found.get(p.sha256)) for p in provenance]
            prov_table = pa.Table.from_pylist(rows, schema=PROVENANCE_SCHEMA)
            con.register("prov_in", prov_table)
            con.execute("CREATE TABLE _provenance AS SELECT * FROM prov_in")
            steps = [
                {
                    "step_id": k,
                    "version": str(v.get("version", "")),
                    "built_at": str(v.get("built_at", "")),
                    "outputs": json.dumps(v.get("outputs", {}), sort_keys=True),
                }
                for k, v in sorted(state.items())
            ]
            step_schema = pa.schema(
                [(n, pa.string()) for n in ("step_id", "version", "built_at", "outputs")]
            )
            con.register("steps_in", pa.Table.from_pylist(steps, schema=step_schema))
            con.execute("CREATE TABLE _build_steps AS SELECT * FROM steps_in")
            note_rows = [asdict(n) for n in notes]
            con.register("notes_in", pa.Table.from_pylist(note_rows, schema=NOTES_SCHEMA))
            con.execute("CREATE TABLE _build_notes AS SELECT * FROM notes_in")
        finally:
            con.close()
    return dest


def _provenance_row(p: Provenance, found: Integrity | None) -> dict[str, object]:
    row: dict[str, object] = {n: getattr(p, n) for n in PROVENANCE_SCHEMA.names if hasattr(p, n)}
    if found is not None:
        row["integrity"] = "damaged" if found.damaged else "complete"
        row["damage"] = found.damage
        row["damage_detail"] = json.dumps(found.detail, sort_keys=True) if found.damaged else None
        row["checked_by"] = ", ".join(found.steps)
    return row


def open_catalog(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection; raises a helpful error when nothing was built yet."""
    path = settings.catalog_path
    if not path.is_file():
        raise NotFoundError(
            f"no lake catalog at {path}",
            hint="run `nethealth build` (or `nethealth demo` for the offline demo) first",
        )
    return duckdb.connect(str(path), read_only=True)
