"""A page that shows no model must not wait for torch: the home page and the entry point import none of it, and
the device label in the sidebar has a torch-free answer. Times live in benchmarks/bench_startup.py."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = [ROOT / "streamlit_app.py", ROOT / "app" / "pages" / "home.py"]


def imported_modules(path: Path) -> list[str]:
    """Every module a script imports at its top level (``from app import services`` -> app.services)."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def fresh_python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_home_page_modules_import_no_torch():
    modules = sorted({m for path in HOME for m in imported_modules(path)})
    assert "app.services" in modules and "app.ui.components" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError:\n"
        "        pass  # `from app import __version__` names an attribute, not a module\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'torch' or m == 'models.registry')))"
    )
    assert json.loads(fresh_python(code)) == [], "the home page's imports load torch"


def test_the_home_page_runs_without_torch():
    """The entry point and the home page, run for real (AppTest), with the background warm-up turned off."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('streamlit_app.py', default_timeout=120).run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert at.get('plotly_chart'), 'no example heatmap'\n"
        "device = [c.value for c in at.sidebar.caption if 'Compute device' in c.value]\n"
        "print('torch' in sys.modules, device)"
    )
    torch_loaded, _, device = fresh_python(code, ATTENTION_LENS_WARM_UP="0").partition(" ")
    assert torch_loaded == "False", "running the home page imported torch"
    assert "Compute device" in device


def test_torch_side_names_of_services_come_through_functions():
    from app import services
    from models import seq2seq

    assert services.attention_kinds() == seq2seq.ATTENTION_KINDS
    assert services.WORKED_KINDS and callable(services.work_example)


def test_the_device_label_without_torch_is_cpu_only_where_no_gpu_can_be(monkeypatch):
    from app.services import runtime

    monkeypatch.setenv("ATTENTION_LENS_DEVICE", "cpu")
    assert runtime._label_without_torch() == "CPU"
    monkeypatch.setenv("ATTENTION_LENS_DEVICE", "cuda")
    assert runtime._label_without_torch() is None  # only torch can say whether that works


def test_the_label_is_the_devices_once_torch_has_chosen_it():
    from app import services
    from app.services import runtime
    from models import registry

    device, _ = runtime._resolve_device()
    assert services.device_label() == registry.device_label(device)
    assert services.warmed_up()
