"""Record, or compare against a recording, the API and JSON-twin answers of a built lake.

A refactor that must not change behaviour is checked by recording before and comparing after:

    python scripts/snapshot_responses.py record  --data-dir data/demo --out /tmp/before
    python scripts/snapshot_responses.py compare --data-dir data/demo --out /tmp/before

The URL set is fixed (every GET route of the OpenAPI document, path parameters filled from the
list endpoints' first answers, plus error cases), so two runs on the same lake ask the same things.
The response cache keeps nothing on disk here (each run computes every answer). Recordings made
before issue 17 differ on the country documents, whose default is trimmed: compare their
`?series=all` form, also recorded, which gives what the default gave before (plus new fields).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from nethealth.server.app import create_app
from nethealth.settings import load_settings

COUNTRIES = ("NL", "IN", "US", "IR", "BR", "ZZ")
ERROR_CASES = (
    "/api/v1/countries/XX",
    "/api/v1/indicators/nope",
    "/api/v1/indicators/asns_registered?country=NL&from=2026-13-01",
    "/api/v1/events?from=not-a-date",
    "/api/v1/routing/asns/notanumber",
    "/api/v1/shutdowns/does-not-exist",
    "/country/XX.json",
    "/nowhere",
)


def _get(client: TestClient, url: str) -> Any:
    r = client.get(url)
    return r.json() if r.status_code == 200 else None


def _first(items: Any, key: str, n: int = 3) -> list[str]:
    if isinstance(items, dict):
        for v in items.values():
            if isinstance(v, list):
                items = v
                break
    if not isinstance(items, list):
        return []
    return [str(i[key]) for i in items[:n] if isinstance(i, dict) and i.get(key) is not None]


def urls(client: TestClient) -> list[str]:
    spec = client.get("/api/v1/openapi.json").json()
    plain = [p for p, ops in spec["paths"].items() if "get" in ops and "{" not in p]
    out = sorted(plain)
    indicators = _first(_get(client, "/api/v1/indicators"), "id", n=1000)
    for cc in COUNTRIES:
        out += [
            f"/api/v1/countries/{cc}",
            f"/api/v1/countries/{cc}?series=all",
            f"/country/{cc}.json",
            f"/country/{cc}.json?series=all",
            f"/api/v1/routing/countries/{cc}",
            f"/api/v1/routing/countries/{cc}/scorecard",
        ]
        out += [f"/api/v1/indicators/{i}?country={cc}" for i in indicators]
    out += [f"/index.json?indicator={i}" for i in indicators]
    out += ["/index.json?indicator=shutdowns-12m", "/index.json?indicator=outages-ongoing"]
    for e in _first(_get(client, "/api/v1/shutdowns"), "event_id"):
        out += [f"/api/v1/shutdowns/{e}", f"/shutdowns/{e}.json"]
    for e in _first(_get(client, "/api/v1/events"), "event_id"):
        out += [f"/api/v1/events/{e}", f"/outages/{e}.json"]
    incidents = _get(client, "/api/v1/routing/incidents")
    for i in _first(incidents, "id"):
        out += [f"/api/v1/routing/incidents/{i}", f"/routing/incidents/{i}.json"]
    for a in _first(incidents, "origin_asn") + _first(incidents, "culprit_asn"):
        out += [
            f"/api/v1/routing/asns/{a}",
            f"/api/v1/routing/asns/{a}/scorecard",
            f"/asn/{a}.json",
        ]
    return list(dict.fromkeys(out + list(ERROR_CASES)))


def _name(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16] + ".json"


def answer(client: TestClient, url: str) -> dict[str, Any]:
    r = client.get(url)
    ctype = r.headers.get("content-type", "")
    body: Any = r.json() if "json" in ctype else r.text
    return {"url": url, "status": r.status_code, "content_type": ctype, "body": body}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("mode", choices=("record", "compare"))
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    settings = load_settings(data_dir=a.data_dir, response_cache_disk_mb=0)
    client = TestClient(create_app(settings))
    if a.mode == "record":
        a.out.mkdir(parents=True, exist_ok=True)
        listed = urls(client)
        for url in listed:
            (a.out / _name(url)).write_text(
                json.dumps(answer(client, url), indent=1, sort_keys=True)
            )
        (a.out / "urls.json").write_text(json.dumps(listed, indent=1))
        print(f"recorded {len(listed)} answers in {a.out}")
        return 0
    listed = json.loads((a.out / "urls.json").read_text())
    changed = 0
    for url in listed:
        before = (a.out / _name(url)).read_text()
        after = json.dumps(answer(client, url), indent=1, sort_keys=True)
        if before != after:
            changed += 1
            print(f"--- {url}")
            diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
            sys.stdout.writelines(line + "\n" for line in list(diff)[2:60])
    print(f"{changed} of {len(listed)} answers differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
