"""The whole OpenAPI surface under schemathesis, in process: every operation of
/api/v1/openapi.json gets generated requests (a fixed number per operation, derandomized so a
run repeats itself, each operation bounded in time), and no answer may be a server error (5xx),
a status the document does not list, another content type, or a body that differs from the
schema the document declares for its status.

The app serves a small lake with every area in it (tests/api/full_world). Curation writes carry
a valid token, so their bodies are really parsed (in this module's own data directory).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.server.app import OPENAPI_URL
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import FIXTURE_INDICATORS, make_settings
from tests.api.full_world import build_full_world

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

TOKEN = "schemathesis-curator-token-0123456789"
EXAMPLES = 60  # generated requests per operation
SECONDS = 120  # per operation, at most (pytest-timeout); a run takes far less
# Starting a scan (the API route and the test-your-domain page's twin) resolves the generated
# name with the system resolver and scans what answers: real network traffic, which tests never
# make. tests/standards/test_api.py and test_pages.py cover both routes (their 400s included)
# against the loopback lab; the job route stays here.
EXCLUDED = {("GET", "/api/v1/scan/{domain}"), ("GET", "/scan.json")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Date and time text as the API documents it accepts (docs/api.md): RFC 3339 with or without
# an offset (naive = UTC), a date alone where a time is meant. Half of the values sit at the
# edges, where range checks and UTC conversion break: Python's first and last days, the
# supported range's bounds and their neighbours, with offsets that cross a day.
EDGE_DATES = ("0001-01-01", "0009-12-31", "1969-12-31", "1970-01-01", "2100-12-31",
              "2101-01-01", "9999-12-31")  # fmt: skip
OFFSETS = ("", "Z", "+00:00", "-01:00", "+01:00", "-23:59", "+23:59", "+05:30")


@st.composite
def _any_date(draw: st.DrawFn) -> str:
    year, month, day = (
        draw(st.integers(1, 9999)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 28)),
    )
    return f"{year:04d}-{month:02d}-{day:02d}"


def _date_text() -> st.SearchStrategy[str]:
    return st.sampled_from(EDGE_DATES) | _any_date()


@st.composite
def _datetime_text(draw: st.DrawFn) -> str:
    day = draw(_date_text())
    if draw(st.integers(0, 3)) == 0:
        return day  # a date alone: 00:00 UTC
    clock = draw(st.sampled_from(("00:00:00", "23:59:59", "12:00")) | st.times().map(str))
    return f"{day}T{clock}{draw(st.sampled_from(OFFSETS))}"


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation; the document does not depend on the data."""
    app = fixture_app(make_settings(Path("/nonexistent/nethealth-schema-only"), ASSETS))
    paths = app.openapi()["paths"]
    return sorted(
        (m.upper(), p) for p, ops in paths.items() for m in ops if (m.upper(), p) not in EXCLUDED
    )


@dataclass(frozen=True)
class World:
    app: FastAPI
    known: dict[str, list[str]]  # parameter name → values that exist in the lake


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    full = build_full_world(tmp_path_factory.mktemp("schemathesis"))
    lake, routing, outages = full.shutdowns, full.routing, full.outages
    # Curation open to one token, as an operator sets it (NETHEALTH_SHUTDOWNS_CURATORS).
    app = fixture_app(
        lake.settings.model_copy(update={"shutdowns_curators": f"schemathesis={TOKEN}"})
    )
    countries = ["NL", "ET", "IN", "nl", routing.cc, outages.cc]
    asns = [str(routing.asn_invalid), str(routing.asn_many), str(routing.asn_valid)]
    known = {
        "cc": countries,
        "country": countries,
        "indicator_id": [i.id for i in FIXTURE_INDICATORS],
        "indicator": [i.id for i in FIXTURE_INDICATORS] + ["adoption_https", "adoption_hsts"],
        "event_id": [lake.ongoing, lake.edited, lake.retracted, outages.ongoing, outages.ended],
        "incident_id": [routing.incident],
        "asn": asns,
        "type": [*routing.incident_types, "full", "national"],
        "month": ["2025-06"],
        "year": ["2019", str(date.today().year)],
        "status": ["ongoing", "ended"],
        "format": ["json", "csv"],
        "block": ["hosting", "dns", "ca", "cdn", "mail", "tld"],
    }
    with TestClient(app):  # runs the lifespan: the lake reader is closed at the end
        yield World(app, known)


@pytest.fixture(scope="module")
def api_schema(world: World) -> Any:
    schemathesis.openapi.format("date", _date_text())
    schemathesis.openapi.format("date-time", _datetime_text())
    return schemathesis.openapi.from_asgi(OPENAPI_URL, world.app)


def _with_known_values(operation: Any, raw: dict[str, Any], known: dict[str, list[str]]) -> Any:
    """Generated cases in which, half of the time, a parameter takes a value that exists in the
    lake: random text almost never names a real indicator, event or AS, and the code behind a
    404 would go untested."""
    declared = [(p["name"], p["in"]) for p in raw.get("parameters", []) if p["name"] in known]
    where = {"path": "path_parameters", "query": "query"}

    @st.composite
    def cases(draw: st.DrawFn) -> Any:
        case = draw(operation.as_strategy())
        for name, location in declared:
            if location in where and draw(st.booleans()):
                attr = where[location]
                values = getattr(case, attr) or {}
                values[name] = draw(st.sampled_from(known[name]))
                setattr(case, attr, values)
        return case

    return cases()


def test_every_operation_is_covered() -> None:
    """The list the fuzz test runs over is the document's (no operation silently left out)."""
    ops = _operations()
    assert ("GET", "/api/v1/events") in ops
    assert ("GET", "/api/v1/routing/incidents") in ops
    assert ("POST", "/api/v1/shutdowns") in ops
    assert ("GET", "/api/v1/status") in ops and ("GET", "/healthz") in ops
    assert len(ops) >= 20


@pytest.mark.slow
@pytest.mark.timeout(SECONDS)
@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_operation(api_schema: Any, world: World, method: str, path: str) -> None:
    operation = api_schema[path][method]
    raw = api_schema.raw_schema["paths"][path][method.lower()]
    failures: list[str] = []

    @given(case=_with_known_values(operation, raw, world.known))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # a fixed seed per test: the same requests every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        try:
            # An exception in a route reaches here too (the in-process client re-raises it).
            response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:
            failures.append(f"{case.method} {case.formatted_path} {case.query or ''}: {exc!r}")
            raise

    try:
        run()
    except Exception as exc:  # Hypothesis re-raises the (shrunk) failure: report what it saw
        failures.append(repr(exc))
    assert not failures, "\n\n".join(f[:2000] for f in dict.fromkeys(failures))
