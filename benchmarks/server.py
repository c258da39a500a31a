"""Start gunicorn on 127.0.0.1 as in production, and sample its workers' memory."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn wsgi:app bound to 127.0.0.1:<port>; stopped by its own pid only."""

    def __init__(self, env: dict, *, workers: int, worker_class: str, threads: int,
                 log_path: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 30.0) -> None:
        cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "wsgi:app",
               "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(self.workers),
               "--worker-class", self.worker_class,
               "--backlog", "2048",
               "--timeout", "60", "--graceful-timeout", "10",
               "--keep-alive", "5",
               "--log-level", "warning"]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open while the server runs
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as resp:
                    if resp.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn not ready within {ready_timeout}s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return children_of(self.proc.pid)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


def children_of(pid: int) -> list[int]:
    out = []
    try:
        # One thread's children file lists the master's children (Linux >= 3.5).
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(x) for x in text.split()]
    except OSError:
        pass
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The ppid is the 2nd field after the parenthesised command name.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples every worker's RSS every ``interval`` seconds while a scenario runs."""

    def __init__(self, server: Gunicorn, interval: float = 0.05):
        self.server = server
        self.interval = interval
        self.peak_kib: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in self.server.worker_pids():
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), rss_kib(pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mib_per_worker(self) -> float:
        """The highest RSS any single worker reached during the scenario."""
        return max(self.peak_kib.values(), default=0) / 1024.0
