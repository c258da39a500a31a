"""Shared pieces of the benchmark: the database of the run, the load-generator call,
statistics, and the result rows."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/{db}")


# --- the database of one run ------------------------------------------------------------

def create_database(name: str) -> str:
    """CREATE DATABASE name on the local PostgreSQL; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.format(db=name)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- statistics ---------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Load:
    """What the load generator measured for one batch of requests."""

    elapsed_s: float
    lat_ms: list[float]
    status: list[int]
    captured: list
    errors: list[str]
    not_sent: int
    concurrency: int

    @property
    def requests(self) -> int:
        return len(self.status)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.lat_ms), q)

    def count_status(self, pred) -> int:
        return sum(1 for s in self.status if pred(s))

    @property
    def server_errors(self) -> int:
        return self.count_status(lambda s: s >= 500)

    @property
    def transport_errors(self) -> int:
        return self.count_status(lambda s: s == 0)

    @staticmethod
    def merge(loads: list[Load]) -> Load:
        """Consecutive batches as one (elapsed times add up)."""
        return Load(
            elapsed_s=sum(x.elapsed_s for x in loads),
            lat_ms=[v for x in loads for v in x.lat_ms],
            status=[v for x in loads for v in x.status],
            captured=[v for x in loads for v in x.captured],
            errors=[v for x in loads for v in x.errors][:20],
            not_sent=sum(x.not_sent for x in loads),
            concurrency=max(x.concurrency for x in loads),
        )


def run_load(workdir: Path, name: str, base_url: str, requests: list[dict], *,
             concurrency: int, count: int | None = None, capture: str | None = None,
             headers: dict | None = None, keepalive: bool = True,
             deadline_s: float = 120.0, timeout_s: float = 30.0) -> Load:
    """Run benchmarks/loadgen.py in its own process on one batch of requests."""
    job = {"base_url": base_url, "concurrency": concurrency, "count": count or len(requests),
           "deadline_s": deadline_s, "timeout_s": timeout_s, "keepalive": keepalive,
           "headers": headers or {}, "capture": capture, "requests": requests}
    job_path = workdir / f"job-{name}.json"
    out_path = workdir / f"result-{name}.json"
    job_path.write_text(json.dumps(job))
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "loadgen.py"),
                           str(job_path), str(out_path)],
                          timeout=deadline_s + timeout_s + 30, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed for {name}: {proc.stderr[-2000:]}")
    r = json.loads(out_path.read_text())
    return Load(elapsed_s=r["elapsed_s"], lat_ms=r["lat_ms"], status=r["status"],
                captured=r["captured"], errors=r["errors"], not_sent=r["not_sent"],
                concurrency=r["concurrency"])


# --- result rows --------------------------------------------------------------------------

@dataclass
class Target:
    """A target from the issue: min ratio to the baseline, max p99, min absolute rate."""

    min_ratio: float | None = None
    max_p99_ms: float | None = None
    min_rate: float | None = None  # e.g. confirmed registrations per second
    rate_label: str = ""

    def describe(self) -> str:
        parts = []
        if self.min_rate is not None:
            parts.append(f">={self.min_rate:g} {self.rate_label}")
        if self.min_ratio is not None:
            parts.append(f">={self.min_ratio:.0%} of base")
        if self.max_p99_ms is not None:
            parts.append(f"p99<{self.max_p99_ms:g}ms")
        return ", ".join(parts)


@dataclass
class Row:
    scenario: str
    load: Load | None = None
    baseline_rps: float | None = None
    peak_mib: float = 0.0
    target: Target | None = None
    rate: float | None = None  # the scenario's own rate for Target.min_rate
    invariants: list[tuple[str, bool]] = field(default_factory=list)
    expected_status: tuple = (200,)
    skipped: str = ""
    notes: list[str] = field(default_factory=list)
    loadavg: float | None = None  # 1-minute load average when the batch ended

    # errors = transport errors, 5xx, and any answer outside the expected statuses
    @property
    def errors(self) -> int:
        if self.load is None:
            return 0
        return self.load.count_status(lambda s: s == 0 or s >= 500 or s not in self.expected_status)

    @property
    def ratio(self) -> float | None:
        if self.load is None or not self.baseline_rps:
            return None
        return self.load.rps / self.baseline_rps

    def target_misses(self) -> list[str]:
        t, misses = self.target, []
        if t is None or self.load is None:
            return misses
        if t.min_ratio is not None and (self.ratio or 0) < t.min_ratio:
            misses.append(f"ratio {self.ratio or 0:.0%} < {t.min_ratio:.0%}")
        if t.max_p99_ms is not None and self.load.p(99) >= t.max_p99_ms:
            misses.append(f"p99 {self.load.p(99):.0f}ms >= {t.max_p99_ms:g}ms")
        if t.min_rate is not None and (self.rate or 0) < t.min_rate:
            misses.append(f"{self.rate or 0:.0f} {t.rate_label} < {t.min_rate:g}")
        return misses

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "skipped"
        if self.target is None:
            return "-"
        return "MISSED" if self.target_misses() else "met"

    @property
    def invariants_ok(self) -> bool:
        return all(ok for _, ok in self.invariants)

    def as_dict(self) -> dict:
        d = {"scenario": self.scenario, "skipped": self.skipped or None,
             "invariants": [{"check": c, "ok": ok} for c, ok in self.invariants],
             "notes": self.notes}
        if self.load is not None:
            d.update({
                "requests": self.load.requests, "concurrency": self.load.concurrency,
                "elapsed_s": round(self.load.elapsed_s, 3), "rps": round(self.load.rps, 1),
                "p50_ms": round(self.load.p(50), 2), "p90_ms": round(self.load.p(90), 2),
                "p99_ms": round(self.load.p(99), 2), "max_ms": round(max(self.load.lat_ms, default=0), 2),
                "errors": self.errors, "status_counts": _status_counts(self.load.status),
                "peak_rss_mib_per_worker": round(self.peak_mib, 1),
                "baseline_rps": round(self.baseline_rps, 1) if self.baseline_rps else None,
                "ratio_to_baseline": round(self.ratio, 3) if self.ratio is not None else None,
                "rate": round(self.rate, 1) if self.rate is not None else None,
                "error_samples": self.load.errors[:5],
                "loadavg_1m_after": self.loadavg,
            })
        if self.target is not None:
            d["target"] = self.target.describe()
            d["target_met"] = None if self.skipped else not self.target_misses()
            d["target_misses"] = self.target_misses()
        return d


def _status_counts(statuses: list[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statuses:
        out[str(s)] = out.get(str(s), 0) + 1
    return dict(sorted(out.items()))


def format_table(rows: list[Row]) -> str:
    head = ["scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors", "peak MiB/wkr",
            "x base", "target", "verdict"]
    lines = []
    for r in rows:
        if r.load is None:
            lines.append([r.scenario, "-", "-", "-", "-", "-", "-", "-",
                          r.target.describe() if r.target else "", r.verdict + (f" ({r.skipped})" if r.skipped else "")])
            continue
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "1.00"
        rate = f"{r.load.rps:.0f}"
        if r.rate is not None and r.target and r.target.min_rate is not None:
            rate += f" ({r.rate:.0f} {r.target.rate_label})"
        verdict = r.verdict
        if verdict == "MISSED":
            verdict += ": " + "; ".join(r.target_misses())
        lines.append([r.scenario, str(r.load.requests), rate, f"{r.load.p(50):.1f}",
                      f"{r.load.p(99):.1f}", str(r.errors), f"{r.peak_mib:.0f}", ratio,
                      r.target.describe() if r.target else "", verdict])
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(head)]
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths)),
           "-|-".join("-" * w for w in widths)]
    for line in lines:
        out.append(" | ".join(c.ljust(w) for c, w in zip(line, widths)))
    return "\n".join(out)


def format_markdown(rows: list[Row]) -> str:
    head = "| scenario | requests | req/s | p50 ms | p99 ms | errors | peak MiB/worker | x baseline | target | verdict |"
    out = [head, "|" + "---|" * 10]
    for r in rows:
        if r.load is None:
            out.append(f"| {r.scenario} | - | - | - | - | - | - | - | "
                       f"{r.target.describe() if r.target else ''} | skipped: {r.skipped} |")
            continue
        rate = f"{r.load.rps:.0f}"
        if r.rate is not None and r.target and r.target.min_rate is not None:
            rate += f" ({r.rate:.0f} {r.target.rate_label})"
        verdict = r.verdict + (": " + "; ".join(r.target_misses()) if r.verdict == "MISSED" else "")
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "1.00"
        out.append(f"| {r.scenario} | {r.load.requests} | {rate} | {r.load.p(50):.1f} | "
                   f"{r.load.p(99):.1f} | {r.errors} | {r.peak_mib:.0f} | {ratio} | "
                   f"{r.target.describe() if r.target else ''} | {verdict} |")
    return "\n".join(out)


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kib / 1024 / 1024, 1),
            "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
