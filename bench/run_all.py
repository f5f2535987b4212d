"""Run every benchmark in bench/ with its default arguments: `.venv/bin/python bench/run_all.py`.

A benchmark is a `*_bench.py` file that defines `main()`; new ones are
picked up without touching this file. Each runs in its own process, so one
crash or one leaked connection cannot spoil the numbers of the next, and
its output streams straight through.
"""
import ast
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def defines_main(script: Path) -> bool:
    """Read, don't import: importing a bench script could start work at import time."""
    tree = ast.parse(script.read_text(), filename=str(script))
    return any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)


def benchmarks() -> list[Path]:
    return [script for script in sorted(BENCH_DIR.glob("*_bench.py")) if defines_main(script)]


def main() -> int:
    failed = []
    for script in benchmarks():
        print(f"\n=== {script.name} ===", flush=True)
        started = time.perf_counter()
        returncode = subprocess.run([sys.executable, str(script)], cwd=BENCH_DIR.parent).returncode
        print(f"=== {script.name}: exit {returncode} after {time.perf_counter() - started:.0f}s ===", flush=True)
        if returncode:
            failed.append(script.name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
