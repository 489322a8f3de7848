"""Execute notebooks top to bottom in a fresh kernel each, in place, and time them (what `make run` does).

    python tools/run_notebooks.py notebooks/01_data_exploration.ipynb ...   # in the order given

Each notebook's wall time goes to runs/make_run_times.csv (one row per notebook, the total last), the figures
the README's notebook table quotes.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    """Run every cell of ``path`` in a fresh kernel started in the repository root; returns the seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> int:
    os.environ.setdefault("AUDIOGAN_PLAIN_PROGRESS", "1")
    runs = Path(os.environ.get("AUDIOGAN_RUNS") or ROOT / "runs")
    rows = []
    for name in paths:
        print(f"== {name}", flush=True)
        rows.append({"notebook": Path(name).stem, "minutes": round(execute(Path(name)) / 60, 1)})
        print(f"   {rows[-1]['minutes']} min", flush=True)
    rows.append({"notebook": "total", "minutes": round(sum(r["minutes"] for r in rows), 1)})
    runs.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(runs / "make_run_times.csv", index=False)
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
