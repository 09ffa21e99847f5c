"""Review of detected outage events: an authenticated reviewer confirms, dismisses (with a
reason) or annotates an event. The log is append-only and lives beside the lake, so a
rebuild of the lake never loses it (event ids hash the detector, the entity and the start,
so the same outage keeps its id across rebuilds).

Layout: <data>/outage-reviews/reviews.jsonl, one JSON object per line:
  {"seq", "at", "reviewer", "event_id", "action", "text", "event"}
`action` is confirm, dismiss or annotate; `text` is the reason (dismiss: required; confirm:
optional) or the note (annotate: required); `event` a snapshot of what was reviewed (scope,
place, start, method version). Writers lock, read, and replace the file with the old bytes
plus the new line through a temporary file and a rename: nothing is ever edited or deleted.

An event's review status is its latest confirm or dismiss (`unreviewed` before any); notes
accumulate. Dismissed events leave the feed and the map; the API still lists them, with
their status.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nethealth.errors import InputError
from nethealth.lake.storage import atomic_path
from nethealth.settings import Settings

LOG_NAME = "reviews.jsonl"
ACTIONS = ("confirm", "dismiss", "annotate")
STATUSES = ("unreviewed", "confirmed", "dismissed")
MAX_TEXT = 2000


def review_dir(settings: Settings) -> Path:
    return settings.data_dir / "outage-reviews"


@dataclass(frozen=True)
class Review:
    seq: int
    at: str
    reviewer: str
    event_id: str
    action: str
    text: str | None
    event: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)


@dataclass
class ReviewState:
    status: str = "unreviewed"
    by: str | None = None
    at: str | None = None
    reason: str | None = None
    notes: list[dict[str, str | None]] = field(default_factory=list)

    def doc(self) -> dict[str, Any]:
        return {"status": self.status, "by": self.by, "at": self.at, "reason": self.reason,
                "notes": list(self.notes)}  # fmt: skip


def _parse(path: Path, data: bytes) -> list[Review]:
    out = []
    for lineno, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            out.append(Review(**doc))
        except (json.JSONDecodeError, TypeError) as exc:
            raise InputError(
                f"the review log is damaged: {exc}",
                path=path,
                line=lineno,
                hint="restore it from a backup; it is never rewritten by nethealth",
            ) from None
    return out


def states(reviews: list[Review]) -> dict[str, ReviewState]:
    out: dict[str, ReviewState] = {}
    for r in reviews:
        st = out.setdefault(r.event_id, ReviewState())
        if r.action == "annotate":
            st.notes.append({"by": r.reviewer, "at": r.at, "text": r.text})
        else:
            st.status = "confirmed" if r.action == "confirm" else "dismissed"
            st.by, st.at, st.reason = r.reviewer, r.at, r.text
    return out


class ReviewStore:
    """The review log of one data directory (read fresh, cached on the file's identity)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOG_NAME
        self._cache: tuple[tuple[int, int, int], list[Review]] | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> ReviewStore:
        return cls(review_dir(settings))

    def reviews(self) -> list[Review]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, _parse(self.path, self.path.read_bytes()))
        return self._cache[1]

    def states(self) -> dict[str, ReviewState]:
        return states(self.reviews())

    def add(
        self, reviewer: str, event_id: str, action: str, text: str | None,
        event: Mapping[str, Any],
    ) -> Review:  # fmt: skip
        """Append one review (validated); returns it."""
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}", field="action",
                             hint=f"choose {', '.join(ACTIONS)}")  # fmt: skip
        text = (text or "").strip() or None
        if action in ("dismiss", "annotate") and not text:
            raise InputError(
                "a dismissal needs a reason" if action == "dismiss" else "a note needs text",
                field="reason" if action == "dismiss" else "note",
                hint="say why, in a sentence",
            )
        if text is not None and len(text) > MAX_TEXT:
            raise InputError(f"the text is longer than {MAX_TEXT} characters", field="text")
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                old = self.path.read_bytes() if self.path.is_file() else b""
                seq = len(_parse(self.path, old)) + 1
                at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
                snapshot = {k: event.get(k) for k in ("scope", "country", "region", "asn",
                                                      "start", "method_version", "detector")}  # fmt: skip
                review = Review(seq, at, reviewer, event_id, action, text, snapshot)
                with atomic_path(self.path) as tmp, open(tmp, "wb") as fh:
                    fh.write(old + (review.to_json() + "\n").encode("utf-8"))
                    fh.flush()
                    os.fsync(fh.fileno())
                self._cache = None
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        return review

    def of(self, event_id: str) -> list[Review]:
        return [r for r in self.reviews() if r.event_id == event_id]
