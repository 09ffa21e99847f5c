"""The curated community datasets as stored: the seed records kept in this package
(`src/nethealth/infrastructure/curated/<kind>.json`, versioned with the code) plus an append-only log of curators'
changes in the data directory (`<data>/communities/log.jsonl`), one JSON object a line:

  {"seq", "at", "actor", "op", "kind", "record_id", "changes": {field: [old, new]}, "reason"}

`op` is create, update or retract. Nothing is deleted or rewritten: a retraction is one more
entry and the record stays, marked retracted, in every export. Writes go through
`nethealth.lake.journal.locked_append` (lock, then old bytes plus new lines through a temporary
file and a rename), and every change is checked before anything is written, so a refused edit
leaves the log as it was.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from nethealth.common.csv_cells import FORMULA_START, safe_cell
from nethealth.common.json_types import Json
from nethealth.errors import InputError, NotFoundError
from nethealth.infrastructure.community_model import (
    FIELDS,
    KINDS,
    SPECS,
    check_id,
    check_kind,
    check_record,
    clean,
    empty_record,
)
from nethealth.lake.journal import locked_append
from nethealth.settings import Settings

LOG_NAME = "log.jsonl"
OPS = ("create", "update", "retract")
SEED = "seed"
CURATED = "curated"
LIST_FIELDS = ("asns", "technology")
# Columns of an export beside the kind's fields: bookkeeping that readers need.
META = ("retracted", "retraction_reason", "origin", "updated_at", "updated_by")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LogEntry:
    seq: int
    at: str
    actor: str
    op: str
    kind: str
    record_id: str
    changes: dict[str, list[Json]]
    reason: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, path: Path, line: int) -> LogEntry:
        try:
            entry = cls(**json.loads(text))
        except (json.JSONDecodeError, TypeError) as exc:
            raise InputError(f"damaged log entry: {exc}", path=path, line=line,
                             hint="the log is append-only and written atomically, so this is "
                             "outside damage: restore the file from a backup") from None  # fmt: skip
        if entry.op not in OPS or entry.kind not in KINDS or not isinstance(entry.changes, dict):
            raise InputError(f"unknown operation {entry.op!r} or kind {entry.kind!r}", path=path,
                             line=line, field="op")  # fmt: skip
        return entry


@dataclass
class Record:
    kind: str
    fields: dict[str, Json]  # id, the kind's fields, retracted, retraction_reason
    origin: str  # seed or curated
    updated_at: str | None
    updated_by: str | None
    seqs: list[int] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.fields["id"])

    @property
    def retracted(self) -> bool:
        return bool(self.fields.get("retracted"))

    def as_dict(self) -> dict[str, Json]:
        """The flat record served by the CLI, the API, the pages and the exports."""
        return {**self.fields, "origin": self.origin, "updated_at": self.updated_at,
                "updated_by": self.updated_by}  # fmt: skip


@dataclass
class State:
    records: dict[tuple[str, str], Record]
    last_seq: int = 0

    def apply(self, entry: LogEntry, path: Path, line: int) -> None:
        if entry.seq != self.last_seq + 1:
            raise InputError(f"sequence number {entry.seq} follows {self.last_seq}", path=path,
                             line=line, field="seq",
                             hint="entries were lost or reordered outside nethealth; restore "
                             "from a backup")  # fmt: skip
        self.last_seq = entry.seq
        key = (entry.kind, entry.record_id)
        rec = self.records.get(key)
        if entry.op == "create":
            if rec is not None:
                raise InputError(f"{entry.kind} {entry.record_id} created twice", path=path,
                                 line=line)  # fmt: skip
            rec = Record(entry.kind, empty_record(entry.kind, entry.record_id), CURATED, None, None)
            self.records[key] = rec
        elif rec is None:
            raise InputError(f"{entry.op} of unknown {entry.kind} {entry.record_id}", path=path,
                             line=line)  # fmt: skip
        for name, (_old, new) in entry.changes.items():
            rec.fields[name] = new
        rec.updated_at, rec.updated_by = entry.at, entry.actor
        rec.seqs.append(entry.seq)


@cache
def seed_records(kind: str) -> tuple[dict[str, Json], ...]:
    """The seed records of a kind, checked like any curator's record (a bad seed is a bug of
    this package: it fails loudly rather than serve an unchecked record)."""
    name = f"{check_kind(kind)}.json"
    ref = resources.files("nethealth.infrastructure").joinpath("curated", name)
    data = json.loads(ref.read_text(encoding="utf-8"))
    out = []
    seen: set[str] = set()
    for raw in data:
        record_id = check_id(str(raw.get("id", "")))
        if record_id in seen:
            raise InputError(f"seed {kind} {record_id} listed twice", path=name, field="id")
        seen.add(record_id)
        rec = {**empty_record(kind, record_id), **clean(kind, {k: v for k, v in raw.items()
                                                                if k != "id"})}  # fmt: skip
        check_record(kind, rec)
        out.append(rec)
    return tuple(out)


def _seed_state() -> State:
    records = {
        (kind, str(rec["id"])): Record(kind, dict(rec), SEED, None, None)
        for kind in KINDS
        for rec in seed_records(kind)
    }
    return State(records)


def _parse(path: Path, data: bytes) -> tuple[list[LogEntry], State]:
    state = _seed_state()
    entries: list[LogEntry] = []
    if data and not data.endswith(b"\n"):
        raise InputError("the log does not end with a complete line", path=path,
                         hint="the file was changed outside nethealth; restore it from a backup")  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the log is not UTF-8: {exc}", path=path,
                         hint="restore it from a backup") from None  # fmt: skip
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            entry = LogEntry.from_json(raw, path, n)
            state.apply(entry, path, n)
            entries.append(entry)
    return entries, state


class CommunityStore:
    """Reads (cached on the log file's identity) and curators' writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOG_NAME
        self._lock_path = root / ".lock"
        self._cache: tuple[tuple[int, int, int] | None, list[LogEntry], State] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> CommunityStore:
        return cls(settings.data_dir / "communities")

    def _key(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self) -> tuple[list[LogEntry], State]:
        key = self._key()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1], self._cache[2]
        data = self.path.read_bytes() if key is not None else b""
        entries, state = _parse(self.path, data)
        self._cache = (key, entries, state)
        return entries, state

    def entries(self, kind: str | None = None, record_id: str | None = None) -> list[LogEntry]:
        return [e for e in self._load()[0] if (kind is None or e.kind == kind)
                and (record_id is None or e.record_id == record_id)]  # fmt: skip

    def records(self, kind: str) -> list[Record]:
        """Every record of a kind, retracted ones included, by id."""
        check_kind(kind)
        return sorted((r for (k, _i), r in self._load()[1].records.items() if k == kind),
                      key=lambda r: r.id)  # fmt: skip

    def get(self, kind: str, record_id: str) -> Record:
        rec = self._load()[1].records.get((check_kind(kind), record_id))
        if rec is None:
            raise NotFoundError(f"no {kind} record {record_id!r}",
                                hint=f"list them with `nethealth communities list {kind}`")  # fmt: skip
        return rec

    def _change(self, actor: str, op: str, kind: str, record_id: str,
                build: Any, reason: str | None) -> tuple[Record, LogEntry | None]:  # fmt: skip
        """Under the lock: `build(state)` returns the changes (checked; it raises to refuse);
        the entry is applied to a fresh state and appended, or nothing is written."""
        with locked_append(self.path, self._lock_path) as append:
            _entries, state = _parse(self.path, append.old)
            changes = build(state)
            if not changes:
                return state.records[(kind, record_id)], None
            entry = LogEntry(state.last_seq + 1, now_utc(), actor, op, kind, record_id, changes,
                             reason)  # fmt: skip
            state.apply(entry, self.path, 0)
            append.lines.append(entry.to_json())
        self._cache = None
        return state.records[(kind, record_id)], entry


def _actor(actor: str) -> str:
    if not actor.strip():
        raise InputError("a change needs the curator's name", field="curator")
    return actor.strip()


def add_record(store: CommunityStore, kind: str, record_id: str, raw: dict[str, Json], *,
               actor: str, reason: str | None = None) -> Record:  # fmt: skip
    check_id(record_id)
    fields = clean(kind, raw)

    def build(state: State) -> dict[str, list[Json]]:
        if (kind, record_id) in state.records:
            raise InputError(f"{kind} {record_id} exists already", field="id",
                             hint="edit it, or choose another id")  # fmt: skip
        record = {**empty_record(kind, record_id), **fields}
        check_record(kind, record)
        return {
            k: [None, v]
            for k, v in record.items()
            if k not in ("id", "retracted") and v not in (None, [])
        }

    rec, _entry = store._change(_actor(actor), "create", kind, record_id, build,
                                reason or "added by a curator")  # fmt: skip
    return rec


def edit_record(store: CommunityStore, kind: str, record_id: str, raw: dict[str, Json], *,
                actor: str, reason: str | None = None) -> tuple[Record, LogEntry | None]:  # fmt: skip
    """Apply the given fields; returns the record and the entry (None when nothing differed)."""
    if not raw:
        raise InputError("nothing to change", hint="give at least one field=value")
    if "id" in raw or "retracted" in raw:
        raise InputError("the id and retraction are not edited", field="id",
                         hint="add a new record, or retract this one")  # fmt: skip
    fields = clean(kind, raw)

    def build(state: State) -> dict[str, list[Json]]:
        rec = state.records.get((kind, record_id))
        if rec is None:
            raise NotFoundError(f"no {kind} record {record_id!r}",
                                hint=f"list them with `nethealth communities list {kind}`")  # fmt: skip
        if rec.retracted:
            raise InputError(f"{kind} {record_id} is retracted",
                             hint="a retracted record stays as it was; add a new one")  # fmt: skip
        merged = {**rec.fields, **fields}
        check_record(kind, merged)
        return {k: [rec.fields.get(k), v] for k, v in merged.items() if rec.fields.get(k) != v}

    return store._change(_actor(actor), "update", kind, record_id, build, reason)


def retract_record(store: CommunityStore, kind: str, record_id: str, *, actor: str,
                   reason: str) -> Record:  # fmt: skip
    """Withdraw a record; it stays, marked retracted, in the log and in every export."""
    if not reason.strip():
        raise InputError("a retraction needs a reason", field="reason", hint="say why it is wrong")

    def build(state: State) -> dict[str, list[Json]]:
        rec = state.records.get((kind, record_id))
        if rec is None:
            raise NotFoundError(f"no {kind} record {record_id!r}")
        if rec.retracted:
            raise InputError(f"{kind} {record_id} is already retracted", hint="nothing to do")
        return {"retracted": [False, True],
                "retraction_reason": [rec.fields.get("retraction_reason"), reason.strip()]}  # fmt: skip

    rec, _entry = store._change(_actor(actor), "retract", kind, record_id, build, reason.strip())
    return rec


# Exports ----------------------------------------------------------------------------------------


def columns(kind: str) -> tuple[str, ...]:
    return ("id", *FIELDS[check_kind(kind)], *META)


def to_json(kind: str, records: list[Record]) -> str:
    return json.dumps({"kind": kind, "count": len(records),
                       "records": [r.as_dict() for r in records]},
                      ensure_ascii=False, indent=1) + "\n"  # fmt: skip


def csv_cell(value: Json) -> object:
    """Lists as `;`-separated text, booleans as true/false; text guarded against formulas."""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


def csv_rows(kind: str, records: list[Record]) -> list[list[object]]:
    cols = columns(kind)
    return [[csv_cell(r.as_dict().get(c)) for c in cols] for r in records]


def to_csv(kind: str, records: list[Record]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns(kind))
    writer.writerows(csv_rows(kind, records))
    return buf.getvalue()


def _uncell(name: str, kinds: dict[str, str], text: str) -> Json:
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]  # undo safe_cell's guard
    if name in kinds and kinds[name] in ("asns", "choices"):
        items = [p for p in text.split(";") if p]
        return [int(p) for p in items] if kinds[name] == "asns" else items
    if name == "retracted":
        return text == "true"
    if text == "":
        return None
    if name in kinds and kinds[name] == "year":
        return int(text)
    return text


def parse_csv(kind: str, text: str) -> list[dict[str, Json]]:
    """The records of an export read back (the inverse of `to_csv`)."""
    kinds = {s.name: s.kind for s in SPECS[check_kind(kind)]}
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != columns(kind):
        raise InputError(f"the CSV's header is not a {kind} export", field="header",
                         hint=f"expected {','.join(columns(kind))}")  # fmt: skip
    return [{k: _uncell(k, kinds, v) for k, v in row.items()} for row in reader]
