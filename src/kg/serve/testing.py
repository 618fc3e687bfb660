"""A real `kg serve` on a free loopback port, for tests and benchmarks.

with LiveServer(store_dir, token="...", timeout=2) as server:
    httpx.get(server.url + "/healthz")
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """Runs `python -m kg.serve` in a subprocess (its own process group) until `stop()`."""

    def __init__(
        self,
        store: str | Path,
        *,
        token: str | None = None,
        log: Path | None = None,
        env: dict[str, str] | None = None,
        cli: bool = False,
        **options: Any,
    ) -> None:
        self.store = str(store)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.options = options
        self.log = log
        self.env = env
        self.cli = cli  # True: the user's command `kg serve` (its options only); else `python -m kg.serve`
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        entry = ["kg", "serve"] if self.cli else ["kg.serve"]
        cmd = [
            sys.executable,
            "-m",
            *entry,
            "--store",
            self.store,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        if self.token:
            cmd += ["--token", self.token]
        for key, value in self.options.items():
            if value is not None:
                cmd += [f"--{key.replace('_', '-')}", str(value)]
        return cmd

    def start(self, wait: float = 60.0) -> LiveServer:
        env = {**os.environ, **(self.env or {})}
        if not self.token:
            env.pop("KG_TOKEN", None)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"kg serve exited with {self.process.returncode}"
                    + (f"; see {self.log}" if self.log else "")
                )
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kg serve did not answer on {self.url} within {wait:g} s")

    def stop(self) -> None:
        p = self.process
        if p is None or p.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)  # the server and its worker processes
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
