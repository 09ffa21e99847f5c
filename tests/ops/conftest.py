"""A publisher's mirror of real files on loopback, and the settings that point the daily update
at it: the five RIRs' `-latest` delegation files (real, 2019-09), PeeringDB's API (real
2020-09 ix/ixlan/ixpfx, synthetic current-schema org/fac/net/netixlan), a real rpki-client
export, and RIS rrc06 dumps of 2015-04-01 (a real update file) for a day-by-day source."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nethealth.cli import app
from nethealth.errors import NethealthError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from tests.conftest import ASSETS
from tests.mirror import RequestLog, serve_directory

RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")
REAL_PDB = ("ix", "ixlan", "ixpfx")
SYNTHETIC_PDB = ("org", "fac", "net", "netixlan")
RIS_DAY = "2015-04-01"
RIS_FILES = ("bview.20150401.0000.gz", "bview.20150401.0800.gz", "bview.20150401.1600.gz")


def build_mirror(root: Path, shared: Path) -> Path:
    for r in RIRS:
        (root / "rir" / r).mkdir(parents=True)
        shutil.copyfile(shared / "rir/delegated-extended-truncated" / r,
                        root / "rir" / r / f"delegated-{r}-extended-latest")  # fmt: skip
    api = root / "pdb/api"
    api.mkdir(parents=True)
    for o in REAL_PDB:
        shutil.copyfile(shared / "peeringdb/real-2020-09" / f"{o}.json", api / o)
    for o in SYNTHETIC_PDB:
        shutil.copyfile(shared / "peeringdb/synthetic-current-schema" / f"{o}-0.json", api / o)
    (root / "rpki").mkdir()
    shutil.copyfile(shared / "rpki/stayrtr/test.rpki.json", root / "rpki/vrps.json")
    ris = root / "ris/rrc06/2015.04"
    ris.mkdir(parents=True)
    dump = shared / "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz"
    for name in RIS_FILES:
        shutil.copyfile(dump, ris / name)
    return root


def update_env(base: str, data: Path) -> dict[str, str]:
    """NETHEALTH_* settings of an installation whose publishers are the mirror at `base`."""
    return {
        "NETHEALTH_DATA_DIR": str(data),
        "NETHEALTH_ASSETS_DIR": str(ASSETS),
        "NETHEALTH_RIR_BASE_URLS": json.dumps({r: f"{base}/rir/{r}" for r in RIRS}),
        "NETHEALTH_UPDATE_SOURCES": "rir,peeringdb,rpki,bgp-ris",
        "NETHEALTH_UPDATE_COLLECTORS": json.dumps({"bgp-ris": ["rrc06"]}),
        "NETHEALTH_UPDATE_BASE_URLS": json.dumps(
            {
                "peeringdb": f"{base}/pdb",
                "rpki": f"{base}/rpki/vrps.json",
                "bgp-ris": f"{base}/ris",
            }
        ),
        "NETHEALTH_UPDATE_BACKFILL_DAYS": "1",
    }


@dataclass
class Mirror:
    root: Path
    base: str
    log: RequestLog
    data: Path

    @property
    def env(self) -> dict[str, str]:
        return update_env(self.base, self.data)


@pytest.fixture
def mirror(tmp_path: Path, shared_data: Path) -> Iterator[Mirror]:
    root = build_mirror(tmp_path / "mirror", shared_data)
    with serve_directory(root) as (base, log):
        yield Mirror(root, base, log, tmp_path / "data")


class Done:
    """A CLI run: the exit status `nethealth` gives (a NethealthError's exit code), output."""

    def __init__(self, result: Result) -> None:
        exc = result.exception
        self.exit_code = exc.exit_code if isinstance(exc, NethealthError) else result.exit_code
        self.output = result.output
        self.error = str(exc) if exc is not None else ""


def cli(*args: str, env: dict[str, str]) -> Done:
    return Done(CliRunner().invoke(app, list(args), env=env))


RIPE = "delegated-ripencc-extended"


def _store(store: RawStore, path: Path, day: str, name: str, tmp: Path) -> None:
    part = tmp / f"{day}-{name}"
    shutil.copyfile(path, part)
    store.store_file("rir", day, name, part, url=path.as_uri(), licence="test",
                     upstream_modified=None)  # fmt: skip


@pytest.fixture
def lake(settings: Settings, shared_data: Path, tmp_path: Path) -> Settings:
    return make_lake(settings, shared_data, tmp_path)


def make_lake(settings: Settings, shared_data: Path, tmp_path: Path) -> Settings:
    """Real RIR files: ripencc complete on 03-13 and cut to 1 % of its records on 03-14 (a
    publisher's bad day), apnic/arin/lacnic on 03-14, afrinic only from 32 days before."""
    real = shared_data / "rir/delegated-extended-truncated"
    lines = (real / "ripencc").read_text().splitlines(keepends=True)
    cut = tmp_path / "ripencc-cut"
    body = [ln for ln in lines if ln.startswith("#") or ln[0].isdigit() or "|*|" in ln]
    records = [ln for ln in lines if ln not in body]
    cut.write_text("".join(body + records[: len(records) // 100]))
    store = RawStore(settings.raw_dir)
    _store(store, real / "ripencc", "2025-03-13", RIPE, tmp_path)
    _store(store, cut, "2025-03-14", RIPE, tmp_path)
    for r in ("apnic", "arin", "lacnic"):
        _store(store, real / r, "2025-03-14", f"delegated-{r}-extended", tmp_path)
    _store(store, real / "afrinic", "2025-02-10", "delegated-afrinic-extended", tmp_path)
    return settings
