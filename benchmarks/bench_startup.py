"""How long the app takes to import its heavy libraries and load each shipped model (cold, in-process)."""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.common import table


def main() -> None:
    rows = []
    for what, code in [
        ("import torch", "import torch"),
        ("import streamlit", "import streamlit"),
        ("import models.registry", "import models.registry"),
    ]:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        rows.append([what, f"{(time.perf_counter() - start) * 1000:.0f}"])
    from models import registry

    for entry in registry.catalog():
        start = time.perf_counter()
        registry.load_checkpoint(entry.name, device="cpu")
        rows.append([f"load {entry.name}", f"{(time.perf_counter() - start) * 1000:.0f}"])
    print(table("Start-up (CPU)", ["step", "ms"], rows))


if __name__ == "__main__":
    main()
