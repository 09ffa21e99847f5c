"""Raw inputs exactly as published, each with a provenance sidecar.

Layout: <data>/raw/<source>/<snapshot YYYY-MM-DD>/<name> and <name>.prov.json beside it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nethealth.lake.storage import atomic_path, sha256_file, write_bytes_atomic

PROV_SUFFIX = ".prov.json"


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

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class RawFile:
    path: Path
    provenance: Provenance


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
        )
        with atomic_path(dest) as tmp:
            tmp_file.replace(tmp)
        write_bytes_atomic(dest.with_name(dest.name + PROV_SUFFIX), prov.to_json().encode())
        return RawFile(dest, prov)

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
