"""`make bench`: lifespan-check's own overhead, against a raw lifespan driver.

Machines are noisy (±20% between calls), so every variant runs interleaved with the
others, round after round (A B C A B C ...), and the report gives medians and the ratio
of each median to the first variant's (the raw driver), taken in the same run.

The benches: a trivial app and a FastAPI app (the tool's cost); `--profile`'s cost on a
startup of 10,000 small awaits (target <= 1.15x lifespan-check without it) and on a
realistic FastAPI startup (target <= 1.05x); and the cost at scale, with 1,000 startup
handlers and with an app importing 2,000 generated modules (target: lifespan-check
<= 1.05x the raw driver). Bytecode is written and used (PYTHONDONTWRITEBYTECODE is
cleared), as on a deployed service.

Usage: python scripts/bench.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
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

APPS: dict[str, str] = {
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


AWAITS = """
import asyncio

async def app(scope, receive, send):
    await receive()
    for _ in range(10_000):
        await asyncio.sleep(0)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
"""

REALISTIC = """
import asyncio
from contextlib import asynccontextmanager
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

class Item(BaseModel):
    id: int
    name: str
    tags: list[str] = []

router = APIRouter()
for n in range(50):
    async def read(item_id: int) -> Item:
        return Item(id=item_id, name="x")
    router.add_api_route(f"/items{n}/{{item_id}}", read, methods=["GET"])

@asynccontextmanager
async def lifespan(app):
    await asyncio.sleep(0.05)  # connect to the database
    for _ in range(50):
        await asyncio.sleep(0.001)  # warm a cache, one key at a time
    app.state.table = {k: str(k) * 3 for k in range(50_000)}  # build an index
    await asyncio.to_thread(sum, range(100_000))
    yield
    await asyncio.sleep(0.01)

app = FastAPI(lifespan=lifespan)
app.include_router(router)
"""

HANDLERS = """
import asyncio
from fastapi import FastAPI

def handler(n):
    async def startup():
        await asyncio.sleep(0)
    startup.__name__ = f"startup_{n}"
    return startup

app = FastAPI(on_startup=[handler(n) for n in range(1000)])
"""

IMPORTS = """
import bench_modules

async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
"""


def generated_modules(count: int) -> dict[str, str]:
    files = {
        f"bench_modules/m_{n:04d}.py": f"VALUE = {n}\ndef f():\n    return VALUE\n"
        for n in range(count)
    }
    files["bench_modules/__init__.py"] = "".join(f"from . import m_{n:04d}\n" for n in range(count))
    return files


@dataclass(frozen=True)
class Variant:
    name: str
    argv: Sequence[str]


@dataclass(frozen=True)
class Bench:
    name: str
    files: dict[str, str]
    variants: Sequence[str]  # "raw", "check", "no-isolate", "profile"
    note: str = ""
    # (variant, against, target ratio) lines to report besides the ratio to the first.
    targets: Sequence[tuple[str, str, float]] = ()


BENCHES = [
    Bench("trivial", {"app.py": APPS["trivial"]}, ("raw", "check", "no-isolate")),
    Bench("fastapi", {"app.py": APPS["fastapi"]}, ("raw", "check", "no-isolate")),
    Bench(
        "awaits",
        {"app.py": AWAITS},
        ("raw", "check", "profile"),
        "a startup of 10,000 small awaits",
        (("profile", "check", 1.15),),
    ),
    Bench(
        "fastapi-realistic",
        {"app.py": REALISTIC},
        ("raw", "check", "profile"),
        "FastAPI, 50 routes, a lifespan that connects, warms, indexes, uses a thread",
        (("profile", "check", 1.05),),
    ),
    Bench(
        "handlers",
        {"app.py": HANDLERS},
        ("raw", "check", "profile"),
        "FastAPI with 1,000 on_startup handlers",
        (("check", "raw", 1.05),),
    ),
    Bench(
        "imports",
        {"app.py": IMPORTS, **generated_modules(2000)},
        ("raw", "check", "profile"),
        "an app importing 2,000 generated modules",
        (("check", "raw", 1.05),),
    ),
]

LABELS = {
    "raw": "raw driver",
    "check": "lifespan-check (isolated)",
    "no-isolate": "lifespan-check --no-isolate",
    "profile": "lifespan-check --profile",
}


def argv_of(variant: str, target: str) -> list[str]:
    if variant == "raw":
        return [*RAW, target]
    extra = {"check": [], "no-isolate": ["--no-isolate"], "profile": ["--profile"]}[variant]
    return [*CHECK, *extra, target]


def run_once(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float | None]:
    """Wall time of one run, and the startup phase's duration when it printed a report."""
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr!r}")
    startup = None
    if argv[0] != PYTHON:
        phases = json.loads(result.stdout)["phases"]
        startup = next(p["duration_s"] for p in phases if p["name"] == "startup")
    return elapsed, startup


def bench(spec: Bench, rounds: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="lifespan-bench-") as tmp:
        cwd = Path(tmp)
        for name, source in spec.files.items():
            (cwd / name).parent.mkdir(parents=True, exist_ok=True)
            (cwd / name).write_text(source)
        chosen = [Variant(v, argv_of(v, "app:app")) for v in spec.variants]
        for variant in chosen:  # warm the page cache and .pyc files
            run_once(variant.argv, cwd, env)
        times: dict[str, list[float]] = {v.name: [] for v in chosen}
        startups: dict[str, list[float]] = {v.name: [] for v in chosen}
        for _ in range(rounds):
            for variant in chosen:
                wall, startup = run_once(variant.argv, cwd, env)
                times[variant.name].append(wall)
                if startup is not None:
                    startups[variant.name].append(startup)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians[chosen[0].name]
    about = f" ({spec.note})" if spec.note else ""
    print(f"\n{spec.name}{about}, {rounds} interleaved rounds (median, ratio to raw driver)")
    for variant in chosen:
        values = times[variant.name]
        spread = f"{min(values) * 1000:.0f}-{max(values) * 1000:.0f}"
        label = LABELS[variant.name]
        ratio = medians[variant.name] / base
        print(f"  {label:<30} {medians[variant.name] * 1000:7.1f} ms  x{ratio:5.2f}  ({spread} ms)")
    for variant, against, target in spec.targets:
        ratio = medians[variant] / medians[against]
        verdict = "ok" if ratio <= target else "OVER TARGET"
        print(
            f"  -> {LABELS[variant]} / {LABELS[against]}: x{ratio:.3f} "
            f"(target <= x{target:.2f}: {verdict})"
        )
        if startups[variant] and startups[against]:
            inner = statistics.median(startups[variant]) / statistics.median(startups[against])
            print(
                f"     the startup phase alone, as the reports time it: "
                f"{statistics.median(startups[variant]) * 1000:.1f} ms / "
                f"{statistics.median(startups[against]) * 1000:.1f} ms = x{inner:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "15")))
    parser.add_argument("--only", choices=[b.name for b in BENCHES], action="append")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for spec in BENCHES:
        if not args.only or spec.name in args.only:
            bench(spec, args.rounds)


if __name__ == "__main__":
    main()
