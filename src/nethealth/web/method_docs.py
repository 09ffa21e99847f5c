"""The detectors' part of the methodology page, generated from the code that runs them.

Each detector is described by its module's own documentation (the text reviewers read beside the
code, so the page cannot drift from what runs) and by the version its outputs carry.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field


class Block(BaseModel):
    kind: Literal["p", "ul"]
    items: list[str] = Field(description="One paragraph, or the items of a list")


class DetectorMethod(BaseModel):
    id: str
    title: str
    area: Literal["routing", "outages"]
    code: str = Field(description="The module that implements it")
    version: str = Field(description="Method version its outputs carry")
    text: list[Block]


def _routing_version() -> str:
    from nethealth.routing.step import INCIDENTS

    return f"routing_incidents step v{INCIDENTS.version}"


def _scorecard_version() -> str:
    from nethealth.routing.scorecard import METHOD_VERSION

    return f"v{METHOD_VERSION}"


def _outage_version(module: str) -> Callable[[], str]:
    def version() -> str:
        return f"v{importlib.import_module(module).METHOD_VERSION}"

    return version


# (id, title, area, module, version): the order of the page.
DETECTORS: tuple[tuple[str, str, Literal["routing", "outages"], str, Callable[[], str]], ...] = (
    ("moas", "Exact-prefix hijacks (MOAS conflicts)", "routing",
     "nethealth.routing.incidents.moas", _routing_version),
    ("subprefix", "Sub-prefix hijacks", "routing",
     "nethealth.routing.incidents.subprefix", _routing_version),
    ("route-leaks", "Route leaks", "routing", "nethealth.routing.incidents.leaks",
     _routing_version),
    ("relationships", "AS relationships (CAIDA files or inference)", "routing",
     "nethealth.routing.relationships", _routing_version),
    ("bogons", "Bogon prefixes and AS numbers", "routing", "nethealth.routing.incidents.bogon",
     _routing_version),
    ("scorecard", "MANRS-style scorecard", "routing", "nethealth.routing.scorecard",
     _scorecard_version),
    ("ioda-baseline", "Outage detection: the IODA baseline", "outages",
     "nethealth.outages.ioda", _outage_version("nethealth.outages.ioda")),
    ("nethealth-detector", "Outage detection: nethealth's detector", "outages",
     "nethealth.outages.robust", _outage_version("nethealth.outages.robust")),
)  # fmt: skip

_BULLET = re.compile(r"^(?:-|\d+\.|\(\d+\))\s+")


def blocks(doc: str) -> list[Block]:
    """Paragraphs and `- ` lists of a docstring, lines joined; markdown emphasis dropped."""
    out: list[Block] = []
    for para in re.split(r"\n\s*\n", doc.strip()):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if lines and _BULLET.match(lines[0]):
            items: list[str] = []
            for ln in lines:
                if _BULLET.match(ln):
                    items.append(_BULLET.sub("", ln))
                elif items:
                    items[-1] += " " + ln
            out.append(Block(kind="ul", items=[_plain(i) for i in items]))
        elif lines:
            out.append(Block(kind="p", items=[_plain(" ".join(lines))]))
    return out


def _plain(text: str) -> str:
    return text.replace("**", "")


def detector_methods() -> list[DetectorMethod]:
    out = []
    for id_, title, area, module, version in DETECTORS:
        doc = inspect.getdoc(importlib.import_module(module)) or ""
        out.append(DetectorMethod(id=id_, title=title, area=area, code=module,
                                  version=version(), text=blocks(doc)))  # fmt: skip
    return out
