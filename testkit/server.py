"""The real app on localhost: ``running_app`` starts ``streamlit run`` on a free port, waits until it answers,
and stops it afterwards; its log goes to ``test-artifacts/streamlit-<port>.log``, which ``server_errors`` reads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEALTH_POLL_S = 0.3  # how often /_stcore/health is asked while the server starts


def artifacts() -> Path:
    """``test-artifacts/`` (git-ignored): server logs, screenshots of failed browser tests."""
    folder = ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_path(port: int) -> Path:
    """Where ``running_app(port=port)`` writes the server's output."""
    return artifacts() / f"streamlit-{port}.log"


@contextmanager
def running_app(
    port: int | None = None, env: dict | None = None, timeout: float = 90, script: str = "streamlit_app.py"
) -> Iterator[str]:
    """Yield the base URL of `streamlit run <script>` (the app by default) on localhost; stop it afterwards."""
    port = port or free_port()
    log = log_path(port).open("w")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}; see {log_path(port)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")
            time.sleep(HEALTH_POLL_S)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def server_pid(port: int) -> int | None:
    """The pid of the `streamlit run ... --server.port <port>` this process started (Linux /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"streamlit" in args and str(port).encode() in args:
            return int(entry.name)
    return None


def server_errors(port: int) -> list[str]:
    """The app's uncaught exceptions in the log of ``running_app(port=port)`` (the browser shows them
    redacted): "KeyError: 'x' at app/pages/math/page.py:311", each once, in order."""
    log = log_path(port)
    errors: list[str] = []
    where = ""
    for line in (log.read_text(encoding="utf-8", errors="replace") if log.is_file() else "").splitlines():
        stripped = line.strip()
        if stripped.startswith('File "') and str(ROOT) in stripped:
            path, _, rest = stripped[6:].partition('", line ')
            where = f"{Path(path).relative_to(ROOT)}:{rest.split(',')[0]}"
        elif where and line and not line[0].isspace() and not line.startswith("Traceback"):
            error = f"{stripped[:160]} at {where}"
            if error not in errors:
                errors.append(error)
            where = ""
    return errors
