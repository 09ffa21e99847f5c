"""Rewrite docs/lab.md's quoted configuration from the lab's templates, and its domains table
from the lab's plan, leaving the prose as it is.

    .venv/bin/python scripts/lab_docs.py          # rewrite docs/lab.md in place
    .venv/bin/python scripts/lab_docs.py --check  # exit 1 when docs/lab.md is out of date

tests/standards/test_lab_docs.py fails when the two differ.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from nethealth.lake.storage import write_bytes_atomic
from nethealth.standards.lab.plan import DOMAINS, Plan, fails
from nethealth.standards.lab.templates import doc_blocks

DOC = Path(__file__).resolve().parent.parent / "docs" / "lab.md"
BLOCK = re.compile(r"(<!-- lab:([a-z0-9-]+) -->\n```[a-z]*\n)(.*?)(```)", re.DOTALL)
TABLE = re.compile(
    r"(\| domain \| built to fail \| what it gets wrong \|\n\| --- \| --- \| --- \|\n)"
    r"((?:\|.*\|\n)*)"
)


def domains_table() -> str:
    rows = []
    for d in DOMAINS:
        failed = ", ".join(f"`{f}`" for f in fails(d, Plan("netns"))) or "nothing (ideal)"
        rows.append(f"| {d.name} | {failed} | {d.mistake or '—'} |\n")
    return "".join(rows)


def rendered(text: str) -> str:
    """`text` (docs/lab.md) with every marked block and the domains table made anew."""
    blocks = doc_blocks()
    unknown = sorted(set(m[1] for m in BLOCK.findall(text)) - set(blocks))
    if unknown:
        raise SystemExit(f"docs/lab.md: no template renders the block(s) {', '.join(unknown)}")
    text = BLOCK.sub(lambda m: m[1] + blocks[m[2]] + m[4], text)
    return TABLE.sub(lambda m: m[1] + domains_table(), text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only tell whether it is current")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    fresh = rendered(current)
    if fresh == current:
        return 0
    if args.check:
        print("docs/lab.md is out of date: run scripts/lab_docs.py", file=sys.stderr)
        return 1
    write_bytes_atomic(DOC, fresh.encode("utf-8"))
    print("docs/lab.md rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
