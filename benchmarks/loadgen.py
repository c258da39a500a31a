"""The load generator: a separate process that fires a fixed list of HTTP requests.

    python benchmarks/loadgen.py JOB.json RESULT.json

JOB.json:
    {"base_url": "http://127.0.0.1:8123", "concurrency": 32, "count": 2000,
     "deadline_s": 120, "timeout_s": 30, "keepalive": true,
     "headers": {...},                      # sent with every request
     "capture": "json:status" | "header:Location" | null,
     "requests": [{"m": "GET", "p": "/healthz", "j": null, "h": null}, ...]}

``concurrency`` clients (coroutines, one connection each) take the next request from
the list until ``count`` have been sent (the list is cycled when shorter), so the
model is closed-loop: each client sends its next request when the previous answer
has been read in full. Every loop is bounded: by ``count`` and by ``deadline_s``
(requests not started by then are reported as "not sent").

RESULT.json: elapsed_s, per request (in send order) latency in ms, status (0 for a
transport error or timeout), the captured value, plus error texts and byte counts.
It listens to nothing and talks only to ``base_url`` (which run.py points at
127.0.0.1).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

import aiohttp


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"loadgen: refusing to load a non-loopback host {host!r}")


async def _run(job: dict) -> dict:
    base = job["base_url"].rstrip("/")
    _check_loopback(base)
    reqs = job["requests"]
    count = int(job.get("count") or len(reqs))
    concurrency = max(1, min(int(job.get("concurrency", 32)), count))
    deadline_s = float(job.get("deadline_s", 120))
    timeout = aiohttp.ClientTimeout(total=float(job.get("timeout_s", 30)))
    capture = job.get("capture")
    common_headers = job.get("headers") or {}
    keepalive = bool(job.get("keepalive", True))

    lat = [None] * count
    status = [None] * count
    captured = [None] * count
    errors: list[str] = []
    samples: list[str] = []  # the first few 4xx/5xx bodies, for the report
    nbytes = 0
    next_i = 0

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=not keepalive,
                                     ttl_dns_cache=None, enable_cleanup_closed=False)
    t0 = time.perf_counter()
    stop_at = t0 + deadline_s

    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     headers=common_headers, cookie_jar=aiohttp.DummyCookieJar(),
                                     auto_decompress=True) as http:

        async def client() -> None:
            nonlocal next_i, nbytes
            while True:
                if next_i >= count or time.perf_counter() > stop_at:
                    return
                i = next_i
                next_i += 1
                r = reqs[i % len(reqs)]
                t = time.perf_counter()
                try:
                    async with http.request(r.get("m", "GET"), base + r["p"], json=r.get("j"),
                                            headers=r.get("h"), allow_redirects=False) as resp:
                        body = await resp.read()
                        lat[i] = (time.perf_counter() - t) * 1000.0
                        status[i] = resp.status
                        nbytes += len(body)
                        if resp.status >= 400 and len(samples) < 5:
                            samples.append(f"{resp.status} {r.get('m', 'GET')} {r['p']}: "
                                           + body[:300].decode("utf-8", "replace"))
                        if capture:
                            captured[i] = _capture(capture, resp, body)
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    lat[i] = (time.perf_counter() - t) * 1000.0
                    status[i] = 0
                    if len(errors) < 20:
                        errors.append(f"{r.get('m', 'GET')} {r['p']}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    sent = sum(1 for s in status if s is not None)
    return {
        "elapsed_s": elapsed,
        "count": count,
        "sent": sent,
        "not_sent": count - sent,
        "concurrency": concurrency,
        "lat_ms": [x for x in lat if x is not None],
        "status": [s for s in status if s is not None],
        "captured": [c for c, s in zip(captured, status) if s is not None],
        "errors": errors + samples,
        "bytes": nbytes,
    }


def _capture(spec: str, resp, body: bytes):
    kind, _, name = spec.partition(":")
    if kind == "header":
        return resp.headers.get(name)
    if kind == "json":
        try:
            value = json.loads(body)
        except ValueError:
            return None
        for part in name.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
    if kind == "len":
        return len(body)
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as fh:
        job = json.load(fh)
    try:
        import uvloop  # optional: a cheaper event loop leaves more CPU to the server
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(_run(job))
    with open(argv[2], "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
