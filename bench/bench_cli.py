"""Benchmark what a writer waits for: each command as a whole, fresh process.

Builds (or reuses, with --workdir) a library of the starter corpus and,
with --big, one of about 100,000 passages made as bench_search.py makes
them. Runs each command --runs times in a new process and prints min,
median and max wall time, with `grep -r` over the same source files as
the baseline a writer compares us with.

    python3 bench/bench_cli.py                         # starter library only
    python3 bench/bench_cli.py --big --workdir /tmp/bc  # plus 100k passages (kept for the next run)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PACKAGES = ("kb", "generator", "bigan")
TARGETS = {  # command label: (starter, 100k) p50 targets in seconds, from issue 18
    "search 一岗双责": (0.20, 0.25),
    "search 工作": (0.25, 0.40),
    "search 工作 --type speech --from 2024": (0.25, 0.40),
    "search --count 工作": (0.15, 0.20),
    "search --related 基层治理 网格": (0.30, 0.50),
    "stats": (0.20, 0.25),
    "show DOC": (0.20, 0.25),
    "outline FILE": (None, None),
    "draft speech": (1.0, 1.5),
    "--help": (None, None),
}


def _bigan() -> list[str]:
    script = Path(sys.executable).with_name("bigan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bigan.cli"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall time and CPU time (user + sys) of one fresh process."""
    cpu, start = _cpu(), time.perf_counter()
    result = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return elapsed, _cpu() - cpu


def _time_all(commands: dict[str, tuple[list[str], tuple[int, ...]]], env: dict,
              runs: int) -> dict[str, tuple[float, float, float, float]]:
    """Min, median and max wall time, and median CPU time, of each command over ``runs`` fresh processes.

    The commands take turns, one run each per round, so that a slow spell of the
    shared machine (its CPU speed changes by half from one minute to the next)
    falls on all of them alike rather than on whichever ran then.
    """
    for args, ok in commands.values():
        _run(args, env, ok)  # warm the page cache, as a writer's second query would be
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (args, ok) in commands.items():
            times[label].append(_run(args, env, ok))
    out = {}
    for label, pairs in times.items():
        walls, cpus = zip(*pairs)
        out[label] = min(walls), statistics.median(walls), max(walls), statistics.median(cpus)
    return out


def _first_doc_id(kb: Path, env: dict) -> str:
    out = subprocess.run(_bigan() + ["--kb", str(kb), "search", "工作", "--json", "--limit", "1"],
                         env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["doc_id"]


def _build_starter(workdir: Path, env: dict) -> tuple[Path, Path]:
    kb = workdir / "starter-kb"
    if not (kb / "CURRENT").exists():
        subprocess.run(_bigan() + ["--kb", str(kb), "ingest", str(ROOT / "speeches")], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return kb, ROOT / "speeches"


def _build_big(workdir: Path, env: dict) -> tuple[Path, Path]:
    from bench_search import build_corpus, starter_sentences
    kb, source = workdir / "big-kb", workdir / "big-src"
    if not (kb / "CURRENT").exists():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        build_corpus(source, 100_000, starter_sentences())
        start = time.perf_counter()
        subprocess.run(_bigan() + ["--kb", str(kb), "ingest", str(source)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"built 100k library in {time.perf_counter() - start:.0f} s")
    return kb, source


def _commands(kb: Path, source: Path, env: dict, out: Path) -> dict[str, list[str]]:
    b = _bigan() + ["--kb", str(kb)]
    one_file = next(iter(sorted(source.rglob("*.md")) or sorted(source.rglob("*.txt"))))
    return {
        "search 一岗双责": b + ["search", "一岗双责"],
        "search 工作": b + ["search", "工作"],
        "search 工作 --type speech --from 2024": b + ["search", "工作", "--type", "speech", "--from", "2024"],
        "search --count 工作": b + ["search", "--count", "工作"],
        "search --related 基层治理 网格": b + ["search", "--related", "基层治理", "网格"],
        "stats": b + ["stats"],
        "show DOC": b + ["show", _first_doc_id(kb, env)],
        "outline FILE": _bigan() + ["outline", str(one_file)],
        "draft speech": b + ["draft", "speech", "--topic", "基层治理", "--occasion", "工作会议",
                             "--unit", "江州市", "--date", "2026-03-18", "-o", str(out / "draft.md")],
        "--help": _bigan() + ["--help"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--big", action="store_true", help="also a ~100k-passage library")
    parser.add_argument("--workdir", type=Path, help="keep the libraries here between runs")
    parser.add_argument("--only", help="time only the commands whose label holds this text")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-cli-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "BIGAN_KB"}
    # An installed package has its bytecode (pip compiles it); an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module in every process instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(ROOT / p) for p in PACKAGES)],
                   check=True, stdout=subprocess.DEVNULL)
    libraries = [("starter", *_build_starter(workdir, env))]
    if args.big:
        libraries.append(("100k", *_build_big(workdir, env)))
    print("wall time min/p50/max, CPU time (user+sys) p50, load average (1 min) after the library's runs;"
          " the commands take turns")
    print(f"{'command':40} {'library':8} {'min':>6} {'p50':>6} {'max':>6} {'cpu':>6} {'load':>5}  target")
    reference = "python3 -S -c pass (reference)"
    for column, (name, kb, source) in enumerate(libraries):
        commands = {label: (command, (0,)) for label, command in _commands(kb, source, env, workdir).items()
                    if not args.only or args.only in label}
        # How fast the machine is during these runs: a Python process that imports nothing.
        commands[reference] = ([sys.executable, "-S", "-c", "pass"], (0,))
        grep = "grep -rl 一岗双责 (baseline)"
        commands[grep] = (["grep", "-r", "-l", "一岗双责", str(source)], (0, 1))
        for label, (low, mid, high, cpu) in _time_all(commands, env, args.runs).items():
            target = TARGETS.get(label, (None, None))[column]
            mark = "" if target is None else f"≤ {target:.2f} {'✓' if mid <= target else '✗'}"
            print(f"{label:40} {name:8} {low:6.3f} {mid:6.3f} {high:6.3f} {cpu:6.3f} {os.getloadavg()[0]:5.2f}"
                  f"  {mark}")


if __name__ == "__main__":
    main()
