"""bench/recall.py runs end to end at a small size (a smoke check; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "recall.py"


async def test_the_recall_benchmark_runs_and_ends_with_the_ratio(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_recall", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_recall", bench)  # dataclasses look it up
    spec.loader.exec_module(bench)
    assert await bench.main(["--quick", "--queries", "8"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("ratio_vs_numpy: ")
    float(lines[-1].split(": ", 1)[1])
    assert any("planted memory in top-10: hybrid" in line for line in lines)
