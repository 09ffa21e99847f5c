"""The append-only log: nothing lost, nothing half-written, concurrent writers serialised."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.settings import Settings
from nethealth.shutdowns.curation import add_event, edit_event
from nethealth.shutdowns.store import ShutdownStore

EVENT = {
    "countries": ["IN"],
    "start_date": "2024-02-01",
    "type": "shutdown",
    "scope": "local",
    "sources": ["https://example.org/report"],
    "artificially_induced": True,
    "removes_access": True,
    "affects_group": True,
}


def test_every_write_keeps_the_old_bytes_as_a_prefix(settings: Settings) -> None:
    store = ShutdownStore.for_settings(settings)
    snapshots = [b""]
    ev = add_event(settings, EVENT, actor="cli:a")
    snapshots.append(store.path.read_bytes())
    edit_event(settings, ev.event_id, {"end_date": "2024-02-03"}, actor="cli:b")
    snapshots.append(store.path.read_bytes())
    for old, new in itertools.pairwise(snapshots):
        assert new.startswith(old) and len(new) > len(old)


def test_a_failing_transaction_writes_nothing(settings: Settings) -> None:
    add_event(settings, EVENT, actor="cli:a")
    store = ShutdownStore.for_settings(settings)
    before = store.path.read_bytes()
    with pytest.raises(RuntimeError), store.transaction(actor="x") as tx:
        tx.record("create", "cu-x", "curated", {"start_date": [None, "2024-01-01"]})
        raise RuntimeError("crash in the middle of a batch")
    assert store.path.read_bytes() == before
    assert list(store.root.glob(".*.tmp")) == []


def test_damaged_log_is_reported_with_its_line(settings: Settings) -> None:
    add_event(settings, EVENT, actor="cli:a")
    add_event(settings, EVENT, actor="cli:a")
    store = ShutdownStore.for_settings(settings)
    lines = store.path.read_text().splitlines(keepends=True)
    store.path.write_text(lines[0] + "{not json\n")
    with pytest.raises(InputError) as info:
        ShutdownStore.for_settings(settings).state()
    assert info.value.line == 2 and "backup" in (info.value.hint or "")
    store.path.write_text(lines[1])  # seq 2 without seq 1: entries were lost
    with pytest.raises(InputError, match="sequence number 2 follows 0"):
        ShutdownStore.for_settings(settings).state()
    store.path.write_text(lines[0] + lines[1].rstrip("\n"))
    with pytest.raises(InputError, match="complete line"):
        ShutdownStore.for_settings(settings).state()


def test_concurrent_writers_lose_nothing(settings: Settings) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(8):
                add_event(settings, EVENT, actor="cli:t")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = ShutdownStore.for_settings(settings).entries()
    assert [e.seq for e in entries] == list(range(1, 33))
    assert len({e.event_id for e in entries}) == 32


def test_cached_state_follows_the_file(settings: Settings, tmp_path: Path) -> None:
    reader = ShutdownStore.for_settings(settings)
    assert reader.state().events == {}
    ev = add_event(settings, EVENT, actor="cli:a")
    assert list(reader.state().events) == [ev.event_id]  # another writer's change is seen
