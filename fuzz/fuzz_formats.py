"""atheris (libFuzzer) entry for the loadable-file parsers:

    python fuzz/fuzz_formats.py TARGET [libFuzzer flags] [CORPUS_DIR]

Without CORPUS_DIR the target's seeds are written to build/fuzz-formats/TARGET and used.

TARGET is one of fuzz.formats_target.TARGETS (tranco, crux, hosts, asnames, hegemony, mrt_head,
json_docs, lz4, manrs_ixps, atlas_anchors).
These parsers are pure Python, so atheris instruments them and libFuzzer sees their coverage.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris

with atheris.instrument_imports():
    from fuzz.formats_target import SEEDS, TARGETS, one_input


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: fuzz_formats.py {{{','.join(sorted(TARGETS))}}} [libFuzzer flags]")
    target = sys.argv.pop(1)
    if not any(not a.startswith("-") for a in sys.argv[1:]):  # no corpus given: the seeds
        corpus = Path(__file__).resolve().parents[1] / "build" / "fuzz-formats" / target
        corpus.mkdir(parents=True, exist_ok=True)
        for i, blob in enumerate(SEEDS[target]):
            (corpus / f"seed-{i}").write_bytes(blob)
        sys.argv.append(str(corpus))
    atheris.Setup(sys.argv, lambda data: one_input(target, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
