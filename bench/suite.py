"""Where the test suite's time goes: both passes of `make test`, timed, with the test time split by kind.

Runs the two passes as `make test` runs them (SQLite, then PostgreSQL through scripts/with-postgres.sh;
`-n 2 --dist loadfile`), each with a JUnit report, and prints a markdown table per pass: the wall time, the
CPU time of the whole machine over the pass (every process counts: Chromium's renderers and PostgreSQL's
backends are no children the shell waits for) and how the tests' own time (setup, call and teardown, summed
over both workers) splits between

* the page audits: every page opened in Chromium and audited with axe-core and HTML_CodeSniffer, at two
  widths and in a language rotating by page (``AUDIT_FILES``),
* the other browser tests (flows by keyboard and mouse, in Chromium),
* the theme engine's tests (tests/themes),
* everything else (requests through Flask's test client, jobs, worker processes, servers),

and the ten files that take longest. Run it on a quiet machine: how busy the cores were just before each pass is printed,
and a busy machine makes every figure larger. It installs nothing: run `make test` once first.

    .venv/bin/python bench/suite.py [--passes sqlite,postgresql] [--workers 2] [tests ...]

Nothing is asserted; a failing test is counted and shown, and the pass's time still printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # noqa: S405 (our own pytest's report)
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The browser tests that open every page and audit it (the rest of tests/browser are flows).
AUDIT_FILES = ("tests/browser/test_all_pages.py", "tests/browser/test_every_language.py", "tests/browser/test_more_pages.py")
KINDS = ("page audits (Chromium, axe, HTML_CodeSniffer)", "other browser tests", "theme engine", "the rest")


def kind_of(file: str) -> str:
    if file in AUDIT_FILES:
        return KINDS[0]
    if file.startswith("tests/browser/"):
        return KINDS[1]
    if file.startswith("tests/themes/"):
        return KINDS[2]
    return KINDS[3]


def busy_jiffies() -> int:
    """CPU time of every process on the machine since boot, in clock ticks (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in stat.readline().split()[1:8])
    return user + nice + system + irq + softirq


def busy_now(seconds: float = 3.0) -> float:
    """How busy the machine's cores are over the next ``seconds`` (0 to 1): whether it is quiet now (the load
    average lags a minute behind, so after the first pass it still counts that pass)."""
    ticks, started = busy_jiffies(), time.monotonic()
    time.sleep(seconds)
    return (busy_jiffies() - ticks) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - started) / os.cpu_count()


def run_pass(name: str, workers: int, report: Path, selection: list[str]) -> dict:
    command = [sys.executable, "-m", "pytest", "-n", str(workers), "--dist", "loadfile", "-q",
               f"--junitxml={report}", "-o", "junit_duration_report=total", *selection]
    if name == "postgresql":
        command = ["scripts/with-postgres.sh", *command]
    busy = busy_now()
    ticks, started = busy_jiffies(), time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.monotonic() - started
    cpu = (busy_jiffies() - ticks) / os.sysconf("SC_CLK_TCK")
    summary = next((line for line in reversed(done.stdout.splitlines()) if " in " in line and ("passed" in line or "failed" in line)), "")
    return {"name": name, "busy": busy, "wall": wall, "cpu": cpu, "status": done.returncode, "summary": summary.strip("= "),
            "files": test_time_by_file(report)}


def test_time_by_file(report: Path) -> dict[str, tuple[int, float]]:
    """File -> (tests, seconds of setup + call + teardown) from a JUnit report."""
    out: dict[str, list] = defaultdict(lambda: [0, 0.0])
    if not report.exists():
        return {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 (our own pytest's report)
        if case.find("skipped") is not None:
            continue
        file = file_of(case.get("classname", ""))
        out[file][0] += 1
        out[file][1] += float(case.get("time") or 0)
    return {file: (n, seconds) for file, (n, seconds) in out.items()}


def file_of(classname: str) -> str:
    """The test file of a JUnit class name: ``tests.browser.test_x`` or ``tests.test_y.TestClass``."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        if (ROOT / Path(*parts[:end])).with_suffix(".py").is_file():
            return "/".join(parts[:end]) + ".py"
    return classname


def print_pass(result: dict) -> None:
    files = result["files"]
    total = sum(seconds for _n, seconds in files.values()) or 1.0
    print(f"\n## {result['name']}: {result['wall']:.1f} s wall, {result['cpu']:.0f} s CPU of the machine "
          f"({result['cpu'] / result['wall']:.2f} cores busy on average; {100 * result['busy']:.0f} % busy just before); "
          f"exit {result['status']}: {result['summary']}\n")
    print("| kind | tests | test time s | share |")
    print("|---|---|---|---|")
    for kind in KINDS:
        rows = [(n, s) for f, (n, s) in files.items() if kind_of(f) == kind]
        seconds = sum(s for _n, s in rows)
        print(f"| {kind} | {sum(n for n, _s in rows)} | {seconds:.1f} | {100 * seconds / total:.0f} % |")
    print(f"| all | {sum(n for n, _s in files.values())} | {total:.1f} | 100 % |")
    print("\n| longest files | tests | test time s |")
    print("|---|---|---|")
    for file, (n, seconds) in sorted(files.items(), key=lambda item: -item[1][1])[:10]:
        print(f"| {file} | {n} | {seconds:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", default="sqlite,postgresql", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per pass, as TEST_WORKERS")
    parser.add_argument("selection", nargs="*", help="tests to run (default: all, as make test)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as folder:
        for name in args.passes.split(","):
            results.append(run_pass(name.strip(), args.workers, Path(folder) / f"{name.strip()}.xml", args.selection))
            print_pass(results[-1])
    print(f"\nBoth passes: {sum(r['wall'] for r in results):.1f} s wall "
          f"({sum(r['wall'] for r in results) / 60:.1f} min; `make test` adds its lint and install checks, a few seconds).")


if __name__ == "__main__":
    main()
