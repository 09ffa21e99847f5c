"""The curated shutdown store: an append-only log of changes from which the current state is
derived. Nothing is ever deleted or rewritten: a retraction is one more entry.

Layout: <data>/shutdowns/events.jsonl, one JSON object per line:
  {"seq", "at", "actor", "op", "event_id", "source", "changes": {field: [old, new]},
   "upstream": {field: [old, new]} | null, "reason", "provenance", "batch"}
`op` is create, update, retract, merge or split (a merge or split writes one entry per record it
links or separates: fields `event_links` / `event_cuts`, see nethealth.shutdowns.events).
`event_id` names the record (the log's historical name for it). `changes` are applied to the
record's current fields;
`upstream` (import updates only; a create's `changes` are its upstream values) tracks the values
last published by the source, so a later import can tell a curator's correction (kept) from an
upstream revision (applied).

Writers append through `nethealth.lake.journal.locked_append` (an exclusive lock, then the old
bytes plus the new lines through a temporary file and a rename): a reader sees the old log or the
new one, never half of a batch, and a batch (a whole import) is all or nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nethealth.common.json_types import Json
from nethealth.errors import InputError, NotFoundError
from nethealth.lake.journal import locked_append
from nethealth.settings import Settings

LOG_NAME = "events.jsonl"
OPS = ("create", "update", "retract", "merge", "split")


def store_dir(settings: Settings) -> Path:
    return settings.data_dir / "shutdowns"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LogEntry:
    seq: int
    at: str
    actor: str
    op: str
    event_id: str
    source: str
    changes: dict[str, list[Json]]
    upstream: dict[str, list[Json]] | None = None
    reason: str | None = None
    provenance: dict[str, Json] | None = None
    batch: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, path: Path, line: int) -> LogEntry:
        try:
            data = json.loads(text)
            entry = cls(**data)
        except (json.JSONDecodeError, TypeError) as exc:
            raise InputError(
                f"damaged log entry: {exc}",
                path=path,
                line=line,
                hint="the log is append-only and written atomically, so this is outside damage: "
                "restore the file from a backup (entries before this line are intact)",
            ) from None
        if entry.op not in OPS or not isinstance(entry.changes, dict):
            raise InputError(f"unknown operation {entry.op!r}", path=path, line=line, field="op")
        return entry


@dataclass
class EventState:
    """One event as the log says it is now."""

    event_id: str
    source: str
    fields: dict[str, Json]
    upstream: dict[str, Json]
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    provenance: dict[str, Json] | None
    seqs: list[int] = field(default_factory=list)
    # Sticky: an event first seen in a simulator's sheet stays simulated through curation.
    simulated: bool = False

    @property
    def retracted(self) -> bool:
        return bool(self.fields.get("retracted"))

    def as_record(self) -> dict[str, Json]:
        """The flat record served by the CLI, the API and the lake."""
        return {
            "event_id": self.event_id,
            "source": self.source,
            **self.fields,
            "retracted": self.retracted,
            "retraction_reason": self.fields.get("retraction_reason"),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "simulated": self.simulated,
        }


@dataclass
class StoreState:
    events: dict[str, EventState] = field(default_factory=dict)
    last_seq: int = 0
    # Snapshot dates of the raw files imports came from: the "as of" of ongoing events.
    snapshots: set[str] = field(default_factory=set)
    # What readers derive from this state (the distinct-event grouping), keyed by name with
    # the log position it was computed at.
    derived: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def apply(self, entry: LogEntry, path: Path, line: int) -> None:
        if entry.seq != self.last_seq + 1:
            raise InputError(
                f"sequence number {entry.seq} follows {self.last_seq}",
                path=path,
                line=line,
                field="seq",
                hint="entries were lost or reordered outside nethealth; restore from a backup",
            )
        self.last_seq = entry.seq
        ev = self.events.get(entry.event_id)
        if entry.op == "create":
            if ev is not None:
                raise InputError(f"event {entry.event_id} created twice", path=path, line=line)
            ev = EventState(
                entry.event_id,
                entry.source,
                {},
                {},
                entry.at,
                entry.actor,
                entry.at,
                entry.actor,
                entry.provenance,
            )
            self.events[entry.event_id] = ev
        elif ev is None:
            raise InputError(f"{entry.op} of unknown event {entry.event_id}", path=path, line=line)
        for name, (_old, new) in entry.changes.items():
            ev.fields[name] = new
        # A create sets the source's values too (an import's first sight of the event).
        upstream = entry.changes if entry.op == "create" else (entry.upstream or {})
        for name, (_old, new) in upstream.items():
            ev.upstream[name] = new
        ev.updated_at, ev.updated_by = entry.at, entry.actor
        if entry.provenance is not None:
            ev.provenance = entry.provenance
            ev.simulated = ev.simulated or entry.provenance.get("simulated") is True
            snap = entry.provenance.get("snapshot")
            if isinstance(snap, str):
                self.snapshots.add(snap)
        ev.seqs.append(entry.seq)

    def as_of(self) -> str | None:
        return max(self.snapshots) if self.snapshots else None


def _parse(path: Path, data: bytes) -> tuple[list[LogEntry], StoreState]:
    entries: list[LogEntry] = []
    state = StoreState()
    if data and not data.endswith(b"\n"):
        raise InputError(
            "the log does not end with a complete line",
            path=path,
            hint="the file was changed outside nethealth; restore it from a backup",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the log is not UTF-8: {exc}", path=path, hint="restore it from a backup"
        ) from None
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        entry = LogEntry.from_json(raw, path, n)
        state.apply(entry, path, n)
        entries.append(entry)
    return entries, state


class Transaction:
    """Changes recorded while the store is locked; written together when the block ends."""

    def __init__(self, state: StoreState, actor: str, batch: str | None, path: Path) -> None:
        self.state = state
        self.actor = actor
        self.batch = batch
        self.path = path
        self.at = now_utc()
        self.pending: list[LogEntry] = []

    def record(
        self,
        op: str,
        event_id: str,
        source: str,
        changes: dict[str, list[Json]],
        *,
        upstream: dict[str, list[Json]] | None = None,
        reason: str | None = None,
        provenance: dict[str, Json] | None = None,
    ) -> LogEntry:
        entry = LogEntry(
            seq=self.state.last_seq + 1,
            at=self.at,
            actor=self.actor,
            op=op,
            event_id=event_id,
            source=source,
            changes=changes,
            upstream=upstream,
            reason=reason,
            provenance=provenance,
            batch=self.batch,
        )
        self.state.apply(entry, self.path, 0)
        self.pending.append(entry)
        return entry


class ShutdownStore:
    """Read the current state (cached on the log file's identity) and write through transactions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOG_NAME
        self._lock_path = root / ".lock"
        self._cache: tuple[tuple[int, int, int], list[LogEntry], StoreState] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> ShutdownStore:
        return cls(store_dir(settings))

    def _stat_key(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self) -> tuple[list[LogEntry], StoreState]:
        key = self._stat_key()
        if key is None:
            return [], StoreState()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1], self._cache[2]
        entries, state = _parse(self.path, self.path.read_bytes())
        self._cache = (key, entries, state)
        return entries, state

    def entries(self) -> list[LogEntry]:
        return self._load()[0]

    def state(self) -> StoreState:
        return self._load()[1]

    def get(self, event_id: str) -> EventState:
        ev = self.state().events.get(event_id)
        if ev is None:
            raise NotFoundError(
                f"no shutdown event {event_id!r}",
                hint="list events with `nethealth shutdowns list` (ids look like an-… or cu-…)",
            )
        return ev

    def history(self, event_id: str | None = None) -> list[LogEntry]:
        entries = self.entries()
        return [e for e in entries if event_id is None or e.event_id == event_id]

    @contextlib.contextmanager
    def transaction(self, actor: str, batch: str | None = None) -> Iterator[Transaction]:
        """Lock, read the log fresh, collect entries, then append them atomically (or nothing,
        if the block raises or records nothing): `nethealth.lake.journal`."""
        with locked_append(self.path, self._lock_path) as append:
            _entries, state = _parse(self.path, append.old)
            tx = Transaction(state, actor, batch, self.path)
            yield tx
            append.lines.extend(e.to_json() for e in tx.pending)
        if tx.pending:
            self._cache = None


def describe_changes(changes: dict[str, list[Any]]) -> str:
    """A one-line human summary: field: old → new."""
    parts = []
    for name, (old, new) in sorted(changes.items()):
        parts.append(f"{name}: {_short(old)} → {_short(new)}")
    return "; ".join(parts)


def _short(value: Any, width: int = 40) -> str:
    text = "∅" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
