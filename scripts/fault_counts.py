"""Messages sent, lost and duplicated under each fault of issue 10, as the fault-injection
tests measure them (kill -9 at a grid of instants, kill right after a webhook's 200, dropped
connection and 502 on the acknowledgement, 429 on a direct reply, bidi names).

    /work/venv/bin/python scripts/fault_counts.py        # about 2 minutes on 2 idle cores

Each test prints one `FAULT ...` line; this runs them and prints those lines and the verdict.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/e2e/test_intake_kill.py",
    "tests/e2e/test_webhook.py::test_webhook_update_recorded_before_200_survives_a_kill",
    "tests/e2e/test_direct_replies.py",
    "tests/e2e/test_bidi_names.py",
]


def main() -> int:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS],
                          cwd=ROOT, capture_output=True, text=True, env={**__import__("os").environ,
                                                                         "PYTHONPATH": str(ROOT)})
    lines = proc.stdout.splitlines()
    for line in lines:
        if "FAULT " in line:
            print(line[line.index("FAULT ") + len("FAULT "):])
    print(lines[-1] if lines else proc.stderr[-2000:])
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
