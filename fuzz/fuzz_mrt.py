"""atheris (libFuzzer) entry point: python fuzz/fuzz_mrt.py [libFuzzer flags] CORPUS_DIR

The decoder is C compiled with gcc, so libFuzzer sees no edge coverage inside it: this runs
libFuzzer's mutation engine over the seed corpus (structure comes from the seeds) and checks the
target's properties on every input. Build with --asan (see fuzz/run.py) to catch memory errors
that do not crash.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris

with atheris.instrument_imports():
    from fuzz.target import one_input


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
