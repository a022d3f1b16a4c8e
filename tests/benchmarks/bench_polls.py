"""How many GETs SIS Desktop sends while following a 10-minute import (run by hand).

    .venv/bin/python tests/benchmarks/bench_polls.py [--minutes 10] [--scale 0.05]

The sandbox's speed stretches one import to `--minutes` of Canvas time; the client's poll
schedule is scaled by the same `--scale`, so the run takes minutes × 60 × scale seconds
(30 s by default) and the client sees what it would see on a real import of that length
(see tests/core/long_import.py). The sandbox counts the GETs. Canvas's own import page sends
~400 for such an import; target ≤ 40, with progress changes still shown as they come.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests.core
from tests.core.long_import import follow_long_import  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--scale", type=float, default=0.05,
                        help="real seconds per simulated second (smaller: faster, less exact)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sis-bench-") as tmp:
        followed = follow_long_import(Path(tmp), minutes=args.minutes, scale=args.scale)
    gaps = [b - a for (a, _), (b, _) in zip(followed.updates, followed.updates[1:])]
    print(f"{args.minutes:g}-minute import (simulated {followed.seconds:.0f} s at scale "
          f"{args.scale:g}); load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"  GETs of the import          : {followed.gets}   (target <= 40; Canvas's page ~400)")
    print(f"  progress values shown       : {' '.join(map(str, followed.progress_seen()))}")
    print(f"  longest wait between polls  : {max(gaps):.1f} s")
    print(f"  end seen after Canvas ended : {followed.end_lag:.1f} s")
    print("  polls (simulated s: state progress):")
    print("   " + " ".join(f"{t:.0f}:{a.workflow_state.value[:4]}{a.progress}"
                          for t, a in followed.updates))


if __name__ == "__main__":
    main()
