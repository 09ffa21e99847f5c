"""The curated community datasets: the record checks, the audit log (a refused or failed change
writes nothing), exports that read back to the same records, the seed records and the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.errors import InputError, NotFoundError
from nethealth.infrastructure import community_store as cs
from nethealth.infrastructure.community_model import KINDS
from nethealth.lake import journal

CN: dict[str, Any] = {
    "name": "Example Mesh", "country": "ke", "region": "Nairobi", "technology": "wifi;fibre",
    "asns": "AS64500, 64501", "status": "active", "website": "https://mesh.example/",
    "source_url": "https://mesh.example/about", "checked_on": "2026-12-01",
    "verification": "source-verified",
}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> cs.CommunityStore:
    return cs.CommunityStore(tmp_path / "communities")


def _log(store: cs.CommunityStore) -> bytes:
    return store.path.read_bytes() if store.path.is_file() else b""


def test_a_record_is_normalised_and_logged_with_who_when_what_and_why(
    store: cs.CommunityStore,
) -> None:
    rec = cs.add_record(store, "community_network", "example-mesh", dict(CN), actor="cli:alice",
                        reason="met them at AfNOG")  # fmt: skip
    assert rec.fields["country"] == "KE" and rec.fields["asns"] == [64500, 64501]
    assert rec.fields["technology"] == ["wifi", "fibre"] and rec.origin == "curated"
    [entry] = store.entries()
    assert (entry.seq, entry.actor, entry.op, entry.kind, entry.record_id, entry.reason) == (
        1, "cli:alice", "create", "community_network", "example-mesh", "met them at AfNOG")  # fmt: skip
    assert entry.changes["asns"] == [None, [64500, 64501]]
    assert entry.at.endswith("Z") and entry.at[:10] == date.today().isoformat()


def test_an_edit_of_a_seed_record_logs_old_and_new_values(store: cs.CommunityStore) -> None:
    rec, entry = cs.edit_record(store, "nren", "surf", {"asns": "1103 1104"}, actor="api:bob",
                                reason="second ASN in the RIPE Database")  # fmt: skip
    assert entry is not None and entry.changes == {"asns": [[1103], [1103, 1104]]}
    assert rec.origin == "seed" and rec.updated_by == "api:bob"
    _same, none = cs.edit_record(store, "nren", "surf", {"asns": [1104, 1103]}, actor="api:bob")
    assert none is None and len(store.entries()) == 1  # nothing differed: nothing logged


@pytest.mark.parametrize(
    ("kind", "record_id", "fields", "field"),
    [
        ("community_network", "x", {**CN, "country": "XX"}, "country"),
        ("community_network", "x", {**CN, "country": "KEN"}, "country"),
        ("community_network", "x", {**CN, "asns": "AS0"}, "asns"),
        ("community_network", "x", {**CN, "asns": "AS4294967296"}, "asns"),
        ("community_network", "x", {**CN, "asns": "AS12a"}, "asns"),
        ("community_network", "x", {**CN, "source_url": "ftp://mesh.example/"}, "source_url"),
        ("community_network", "x", {**CN, "website": "javascript:alert(1)"}, "website"),
        ("community_network", "x", {**CN, "checked_on": "2026-13-01"}, "checked_on"),
        ("community_network", "x",
         {**CN, "checked_on": (date.today() + timedelta(days=1)).isoformat()}, "checked_on"),
        ("community_network", "x", {**CN, "status": "thriving"}, "status"),
        ("community_network", "x", {**CN, "technology": "pigeons"}, "technology"),
        ("community_network", "x", {**CN, "colour": "blue"}, "colour"),
        ("community_network", "x", {k: v for k, v in CN.items() if k != "source_url"},
         "source_url"),
        ("community_network", "Bad Id", CN, "id"),
        ("nog", "x", {"name": "XNOG", "scope": "national", "source_url": "https://x.example/",
                      "checked_on": "2026-12-01", "verification": "source-verified"}, "country"),
        ("nog", "x", {"name": "XNOG", "country": "KE", "scope": "national",
                      "active_since": "1959", "source_url": "https://x.example/",
                      "checked_on": "2026-12-01", "verification": "source-verified"},
         "active_since"),
        ("enabling_environment", "za", {"country": "ZA", "licence": "yes", "spectrum": "unknown",
                                        "source_url": "https://x.example/",
                                        "checked_on": "2026-12-01",
                                        "verification": "source-verified"}, "licence_source"),
        ("enabling_environment", "zz", {"country": "ZA", "licence": "unknown",
                                        "spectrum": "unknown", "source_url": "https://x.example/",
                                        "checked_on": "2026-12-01",
                                        "verification": "source-verified"}, "id"),
        ("nren", "surf", {"name": "SURF again", "country": "NL", "scope": "national",
                          "source_url": "https://x.example/", "checked_on": "2026-12-01",
                          "verification": "source-verified"}, "id"),
    ],
)  # fmt: skip
def test_a_refused_record_writes_nothing(
    store: cs.CommunityStore, kind: str, record_id: str, fields: dict[str, Any], field: str
) -> None:
    cs.add_record(store, "community_network", "first", dict(CN), actor="cli:a")
    before = _log(store)
    with pytest.raises(InputError) as caught:
        cs.add_record(store, kind, record_id, fields, actor="cli:a")
    assert caught.value.field == field
    assert _log(store) == before
    assert not [p for p in store.root.iterdir() if p.name.endswith(".tmp")]


def test_an_unknown_answer_needs_no_source(store: cs.CommunityStore) -> None:
    rec = cs.add_record(store, "enabling_environment", "za", {
        "country": "ZA", "licence": "unknown", "spectrum": "unknown",
        "source_url": "https://x.example/", "checked_on": "2026-12-01",
        "verification": "curator-knowledge"}, actor="cli:a")  # fmt: skip
    assert rec.fields["licence"] == "unknown" and rec.fields["licence_source"] is None


def test_a_refused_edit_leaves_the_log_and_the_record_as_they_were(
    store: cs.CommunityStore,
) -> None:
    cs.edit_record(store, "nren", "surf", {"website": "https://www.surf.nl/"}, actor="cli:a")
    before = _log(store)
    for bad in ({"country": "XX"}, {"asns": "ASx"}, {"scope": ""}, {"id": "other"}, {}):
        with pytest.raises(InputError):
            cs.edit_record(store, "nren", "surf", bad, actor="cli:a")
    assert _log(store) == before
    assert store.get("nren", "surf").fields["country"] == "NL"
    with pytest.raises(NotFoundError):
        cs.edit_record(store, "nren", "nope", {"name": "x"}, actor="cli:a")


def test_a_failed_write_leaves_the_old_log_and_no_temporary_file(
    store: cs.CommunityStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cs.add_record(store, "community_network", "first", dict(CN), actor="cli:a")
    before = _log(store)

    def broken(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(journal.os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        cs.edit_record(store, "community_network", "first", {"region": "Kisumu"}, actor="cli:a")
    monkeypatch.undo()
    assert _log(store) == before
    assert [p.name for p in store.root.iterdir() if not p.name.startswith(".lock")] == [cs.LOG_NAME]
    assert cs.CommunityStore(store.root).get("community_network", "first").fields["region"] == (
        "Nairobi"
    )


def test_a_retracted_record_is_kept_and_cannot_be_edited(store: cs.CommunityStore) -> None:
    with pytest.raises(InputError, match="reason"):
        cs.retract_record(store, "nog", "lacnog", actor="cli:a", reason="  ")
    cs.retract_record(store, "nog", "lacnog", actor="cli:a", reason="duplicate of another")
    assert all(r.id != "lacnog" for r in store.records("nog") if not r.retracted)
    kept = store.get("nog", "lacnog")
    assert kept.retracted and kept.fields["retraction_reason"] == "duplicate of another"
    assert kept.fields["name"] == "LACNOG"  # the record itself is intact
    with pytest.raises(InputError, match="retracted"):
        cs.edit_record(store, "nog", "lacnog", {"name": "x"}, actor="cli:a")
    with pytest.raises(InputError, match="already retracted"):
        cs.retract_record(store, "nog", "lacnog", actor="cli:a", reason="again")
    assert [e.op for e in store.entries()] == ["retract"]


def test_a_damaged_log_is_an_error_naming_the_line(store: cs.CommunityStore) -> None:
    cs.add_record(store, "community_network", "first", dict(CN), actor="cli:a")
    store.path.write_bytes(_log(store) + b'{"seq": 7}\n')
    with pytest.raises(InputError) as caught:
        cs.CommunityStore(store.root).records("nren")
    assert caught.value.line == 2 and "damaged" in caught.value.message


@pytest.mark.parametrize("kind", KINDS)
def test_exports_read_back_to_the_same_records(store: cs.CommunityStore, kind: str) -> None:
    cs.add_record(store, "community_network", "odd", {**CN, "region": "-1+2 =SUM(A1)",
                                                      "notes": 'quote " and; semicolon'},
                  actor="cli:a")  # fmt: skip
    cs.retract_record(store, "nren", "rediris", actor="cli:a", reason="test retraction")
    records = store.records(kind)
    expected = [r.as_dict() for r in records]
    assert cs.parse_csv(kind, cs.to_csv(kind, records)) == expected
    doc = json.loads(cs.to_json(kind, records))
    assert doc["kind"] == kind and doc["count"] == len(records) and doc["records"] == expected
    if kind == "community_network":
        assert "'-1+2 =SUM(A1)" in cs.to_csv(
            kind, records
        )  # guarded in the file, restored when read back


def test_every_seed_record_is_sourced_and_dated() -> None:
    for kind in KINDS:
        for rec in cs.seed_records(kind):
            assert str(rec["source_url"]).startswith("https://"), (kind, rec["id"])
            assert rec["checked_on"] == "2026-12-07" and rec["verification"] == "curator-knowledge"
    asns = {r["id"]: r["asns"] for r in cs.seed_records("nren")}
    assert asns == {"geant": [20965], "rediris": [766], "renater": [2200], "surf": [1103]}


def _cli(data: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(data), "communities", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_add_edit_retract_log_and_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sets = [x for k, v in CN.items() for x in ("--set", f"{k}={v}")]
    assert "added community_network example-mesh" in _cli(
        data, "add", "community_network", "example-mesh", *sets, "--curator", "carol"
    )
    out = _cli(data, "edit", "community_network", "example-mesh", "--set", "status=inactive",
               "--reason", "closed in 2026")  # fmt: skip
    assert 'status: "active" → "inactive"' in out
    bad = CliRunner().invoke(app, ["--data-dir", str(data), "communities", "edit", "nren",
                                   "surf", "--set", "country=XX"])  # fmt: skip
    assert isinstance(bad.exception, InputError) and bad.exception.field == "country"
    _cli(data, "retract", "nren", "renater", "--reason", "test")
    log = [json.loads(line) for line in _cli(data, "log").splitlines()]
    assert [(e["op"], e["record_id"]) for e in log] == [
        ("retract", "renater"), ("update", "example-mesh"), ("create", "example-mesh")]  # fmt: skip
    assert log[2]["actor"] == "cli:carol" and log[1]["reason"] == "closed in 2026"
    out_file = tmp_path / "nren.csv"
    _cli(data, "export", "nren", "--output", str(out_file))
    rows = cs.parse_csv("nren", out_file.read_text())
    assert {r["id"]: r["retracted"] for r in rows} == {
        "geant": False, "rediris": False, "renater": True, "surf": False}  # fmt: skip
    listed = json.loads(_cli(data, "list", "nren", "--format", "json"))
    assert [r["id"] for r in listed["records"]] == ["geant", "rediris", "surf"]
    assert "KE" in _cli(data, "list", "community_network", "--country", "KE")
