"""More than one app process behind nginx: `make serve REPLICAS=N` (or `python -m deploy.serve --replicas N`).

One Streamlit process runs every script of every session on one core's worth of Python (the GIL); a bigger
box serves more of a class with more processes. This starts N `streamlit run` on free localhost ports, writes
deploy/run/nginx.conf from deploy/nginx.conf.template (sticky sessions by cookie, websocket upgrade), checks
it with `nginx -t`, and runs nginx in front on --port until Ctrl-C. Every replica gets the same cookie secret,
so a browser's XSRF cookie is good on any of them.

    python -m deploy.serve --replicas 4 --port 8501 --address 0.0.0.0
    python -m deploy.serve --replicas 2 --config-only       # write and test the config, start nothing

Each replica has its own caches, models and live-training slot ("one training per server" becomes one per
replica). Logs: deploy/run/streamlit-<port>.log and deploy/run/nginx-error.log.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
RUN_DIR = Path(__file__).resolve().parent / "run"  # git-ignored: the generated config, pid, logs, temp files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(ports: list[int], listen: str, run_dir: Path = RUN_DIR) -> str:
    """The nginx config for app processes on ``ports`` (localhost), nginx listening on ``listen``."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in ports)
    values = {"replicas": str(len(ports)), "run_dir": str(run_dir), "listen": listen, "servers": servers}
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    if "${" in text:
        raise ValueError(f"{TEMPLATE.name}: a placeholder was left unfilled: {text[text.index('${') :][:40]}")
    return text


def write_config(ports: list[int], listen: str, run_dir: Path = RUN_DIR) -> Path:
    """Write ``run_dir``/nginx.conf (and the folders it names); return its path."""
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(render(ports, listen, run_dir), encoding="utf-8")
    return path


def nginx_binary() -> str | None:
    """Debian's nginx (or $NGINX), or None when it is not installed (`scripts/ensure_nginx.sh` installs it)."""
    for candidate in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def check_config(path: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the config at ``path``: returncode 0 when nginx accepts it (its verdict in stderr)."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed: scripts/ensure_nginx.sh (or make serve) installs it")
    return subprocess.run([binary, "-t", "-c", str(path)], capture_output=True, text=True)


def wait_for_health(url: str, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    """Until ``url``/_stcore/health answers 200; RuntimeError if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}; see {RUN_DIR}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer /_stcore/health within {timeout_s:.0f} s")
        time.sleep(0.3)


@dataclass
class Served:
    """What ``replicated_app`` started: the URL in front, and the processes behind it."""

    url: str
    ports: list[int]
    apps: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.apps] + ([self.nginx.pid] if self.nginx else [])


def _start_app(port: int, secret: str, log_dir: Path, env: dict | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    log = (log_dir / f"streamlit-{port}.log").open("w")
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret, **(env or {})}  # not allowed as a flag
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


@contextlib.contextmanager
def replicated_app(
    replicas: int, port: int | None = None, address: str = "127.0.0.1", log_dir: Path = RUN_DIR, env: dict | None = None
) -> Iterator[Served]:
    """``replicas`` app processes behind nginx on ``address``:``port``; everything is stopped afterwards."""
    if nginx_binary() is None:
        raise FileNotFoundError("nginx is not installed: scripts/ensure_nginx.sh (or make serve) installs it")
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    served = Served(f"http://127.0.0.1:{port}", [free_port() for _ in range(replicas)])
    secret = secrets.token_hex(16)
    try:
        served.apps = [_start_app(p, secret, log_dir, env) for p in served.ports]
        for p, proc in zip(served.ports, served.apps, strict=True):
            wait_for_health(f"http://127.0.0.1:{p}", proc)
        config = write_config(served.ports, f"{address}:{port}")
        checked = check_config(config)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused {config}: {checked.stderr.strip()}")
        served.nginx = subprocess.Popen([nginx_binary(), "-c", str(config)], cwd=RUN_DIR)
        wait_for_health(served.url, served.nginx)
        yield served
    finally:
        for proc in ([served.nginx] if served.nginx else []) + served.apps:
            proc.terminate()
        for proc in ([served.nginx] if served.nginx else []) + served.apps:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="app processes (about one per core)")
    parser.add_argument("--port", type=int, default=8501, help="the port nginx listens on")
    parser.add_argument("--address", default="0.0.0.0", help="the address nginx listens on (0.0.0.0: the network)")
    parser.add_argument("--config-only", action="store_true", help="write deploy/run/nginx.conf, test it, stop")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    if args.config_only:
        config = write_config([free_port() for _ in range(args.replicas)], f"{args.address}:{args.port}")
        checked = check_config(config)
        print(f"{config}\n{checked.stderr.strip()}")
        return checked.returncode
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops the replicas too (the finally above)
    with replicated_app(args.replicas, args.port, args.address) as served:
        where = "every address of this machine" if args.address == "0.0.0.0" else args.address
        print(f"Attention Lens: {args.replicas} processes behind nginx on port {args.port} ({where}); Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            served.nginx.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
