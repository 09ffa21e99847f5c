"""Raw inputs exactly as published, each with a provenance sidecar.

Layout: <data>/raw/<source>/<snapshot YYYY-MM-DD>/<name> and <name>.prov.json beside it.

The build adds what reading a raw file in full found (complete, or damaged and what was lost)
to the lake's integrity record (`<lake>/_raw_integrity.json`, keyed by the file's SHA-256), so
the raw store itself stays exactly as published.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nethealth.lake.storage import atomic_path, sha256_file, write_bytes_atomic

PROV_SUFFIX = ".prov.json"
INTEGRITY_FILE = "_raw_integrity.json"


@dataclass(frozen=True)
class Provenance:
    """Where one raw file came from. Stored beside it and copied into the catalog."""

    source_id: str
    snapshot: str
    name: str
    url: str
    licence: str
    fetched_at: str
    upstream_modified: str | None
    sha256: str
    size: int
    simulated: bool = False
    etag: str | None = None  # the publisher's ETag, for the next conditional GET

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        data = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})  # newer sidecars add fields


@dataclass(frozen=True)
class RawFile:
    path: Path
    provenance: Provenance
    # True when this call transferred the bytes; False for a copy already stored (a conditional
    # GET answered "not modified", or a fetcher that found the file in the store)
    downloaded: bool = dataclasses.field(default=False, compare=False)


class RawStore:
    """Stores and lists raw files. Writing a file replaces the previous copy of the same snapshot."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, source_id: str, snapshot: str, name: str) -> Path:
        return self.root / source_id / snapshot / name

    def store_file(
        self,
        source_id: str,
        snapshot: str,
        name: str,
        tmp_file: Path,
        *,
        url: str,
        licence: str,
        upstream_modified: datetime | None,
        simulated: bool = False,
        etag: str | None = None,
    ) -> RawFile:
        """Move a completely downloaded temporary file into place, then write its sidecar."""
        dest = self.path_for(source_id, snapshot, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        prov = Provenance(
            source_id=source_id,
            snapshot=snapshot,
            name=name,
            url=url,
            licence=licence,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            upstream_modified=upstream_modified.isoformat() if upstream_modified else None,
            sha256=sha256_file(tmp_file),
            size=tmp_file.stat().st_size,
            simulated=simulated,
            etag=etag,
        )
        with atomic_path(dest) as tmp:
            tmp_file.replace(tmp)
        write_bytes_atomic(dest.with_name(dest.name + PROV_SUFFIX), prov.to_json().encode())
        return RawFile(dest, prov, downloaded=True)

    def link_file(self, existing: RawFile, snapshot: str) -> RawFile:
        """Record the bytes of a stored file, unchanged upstream, as another snapshot of it: a
        hard link (a copy where links are not possible) and a sidecar saying when it was
        checked. Nothing is downloaded and no disk space is used twice."""
        old = existing.provenance
        dest = self.path_for(old.source_id, snapshot, old.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as tmp:
            tmp.unlink()
            try:
                os.link(existing.path, tmp)
            except OSError:
                shutil.copyfile(existing.path, tmp)
        prov = dataclasses.replace(
            old, snapshot=snapshot, fetched_at=datetime.now(UTC).isoformat(timespec="seconds")
        )
        write_bytes_atomic(dest.with_name(dest.name + PROV_SUFFIX), prov.to_json().encode())
        return RawFile(dest, prov)

    def remove(self, raw: RawFile) -> None:
        """Remove a stored file: its sidecar first (a file without its sidecar does not count),
        then the bytes, then the snapshot directory when it is left empty."""
        raw.path.with_name(raw.path.name + PROV_SUFFIX).unlink(missing_ok=True)
        raw.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            raw.path.parent.rmdir()

    def files(self, source_id: str) -> list[RawFile]:
        """Every complete raw file of a source (a file without its sidecar is incomplete)."""
        base = self.root / source_id
        if not base.is_dir():
            return []
        out = []
        for prov_path in sorted(base.glob(f"*/*{PROV_SUFFIX}")):
            data_path = prov_path.with_name(prov_path.name[: -len(PROV_SUFFIX)])
            if data_path.is_file():
                out.append(RawFile(data_path, Provenance.from_json(prov_path.read_text())))
        return out

    def all_provenance(self, source_ids: Iterable[str]) -> list[Provenance]:
        return [f.provenance for s in source_ids for f in self.files(s)]


def provenance_of(path: Path) -> Provenance | None:
    """The provenance sidecar beside a raw file, or None for a file outside the raw store."""
    sidecar = path.with_name(path.name + PROV_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        return Provenance.from_json(sidecar.read_text())
    except (OSError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Integrity:
    """What a build step found reading one raw file in full: complete, or damaged and what was
    lost (`damage`, one sentence; `detail`, the reader's counts and offsets)."""

    key: str  # the file's SHA-256, or its path when it is not in the raw store
    path: str
    source_id: str | None
    snapshot: str | None
    name: str
    damage: str | None
    detail: dict[str, Any]
    steps: tuple[str, ...]
    checked_at: str

    @property
    def damaged(self) -> bool:
        return self.damage is not None

    @property
    def label(self) -> str:
        """`source/snapshot/name` (or the path) for messages."""
        if self.source_id is None:
            return self.path
        return f"{self.source_id}/{self.snapshot}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["steps"] = list(self.steps)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Integrity:
        return cls(**{**d, "steps": tuple(d.get("steps", ()))})

    @classmethod
    def of(cls, path: Path, damage: str | None, detail: dict[str, Any], step: str) -> Integrity:
        prov = provenance_of(path)
        return cls(
            key=prov.sha256 if prov is not None else str(path),
            path=str(path),
            source_id=prov.source_id if prov is not None else None,
            snapshot=prov.snapshot if prov is not None else None,
            name=prov.name if prov is not None else path.name,
            damage=damage,
            detail=detail,
            steps=(step,),
            checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )


def load_integrity(lake_dir: Path) -> dict[str, Integrity]:
    path = lake_dir / INTEGRITY_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        return {k: Integrity.from_dict(v) for k, v in data.items()}
    except (OSError, ValueError, TypeError):
        return {}  # unreadable: the next build checks the files again


def merge_integrity(lake_dir: Path, found: Iterable[Integrity]) -> dict[str, Integrity]:
    """Add what a step found to the record (the latest finding per file; the steps that read
    it accumulate) and write it atomically."""
    record = load_integrity(lake_dir)
    for new in found:
        old = record.get(new.key)
        steps = tuple(sorted({*(old.steps if old else ()), *new.steps}))
        record[new.key] = dataclasses.replace(new, steps=steps)
    text = json.dumps({k: v.to_dict() for k, v in sorted(record.items())}, indent=2)
    write_bytes_atomic(lake_dir / INTEGRITY_FILE, text.encode())
    return record
