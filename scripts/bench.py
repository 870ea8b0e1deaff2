"""`make bench`: lifespan-check's own overhead, against a raw lifespan driver.

Machines are noisy (PERFORMANCE.md: ±20% between calls), so every variant runs
interleaved with the others, round after round (A B C A B C ...), and the report gives
medians and the ratio of each median to the raw driver's, taken in the same run.

Usage: python scripts/bench.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
RAW = [PYTHON, str(ROOT / "scripts" / "raw_driver.py")]
CHECK = [str(BIN / "lifespan-check"), "--format", "json"]

APPS = {
    "trivial": """
async def app(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return
""",
    "fastapi": """
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app):
    yield {"ready": True}

app = FastAPI(lifespan=lifespan)

@app.get("/")
async def home():
    return {}
""",
}


@dataclass(frozen=True)
class Variant:
    name: str
    argv: Sequence[str]


def variants(target: str) -> list[Variant]:
    return [
        Variant("raw driver", [*RAW, target]),
        Variant("lifespan-check (isolated)", [*CHECK, target]),
        Variant("lifespan-check --no-isolate", [*CHECK, "--no-isolate", target]),
    ]


def run_once(argv: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr!r}")
    return elapsed


def bench(name: str, source: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lifespan-bench-") as tmp:
        cwd = Path(tmp)
        (cwd / f"bench_{name}.py").write_text(source)
        chosen = variants(f"bench_{name}:app")
        for variant in chosen:  # warm the page cache and .pyc files
            run_once(variant.argv, cwd)
        times: dict[str, list[float]] = {v.name: [] for v in chosen}
        for _ in range(rounds):
            for variant in chosen:
                times[variant.name].append(run_once(variant.argv, cwd))
    base = statistics.median(times[chosen[0].name])
    print(f"\n{name} app, {rounds} interleaved rounds (median wall time, ratio to raw driver)")
    for variant in chosen:
        median = statistics.median(times[variant.name])
        spread = f"{min(times[variant.name]) * 1000:.0f}-{max(times[variant.name]) * 1000:.0f}"
        print(f"  {variant.name:<30} {median * 1000:7.1f} ms  x{median / base:5.2f}  ({spread} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "15")))
    parser.add_argument("--only", choices=sorted(APPS))
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for name, source in APPS.items():
        if args.only in (None, name):
            bench(name, source, args.rounds)


if __name__ == "__main__":
    main()
