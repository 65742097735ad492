"""The shape of the code, checked rather than hoped for: layers, no cycles, short functions."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 60


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: app above models, models free of streamlit and charts,
    networks free of training code, pages importing only result types from models, no cycles."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_training_imports_no_page_code():
    """`python -m models.train` must not drag in the app, streamlit or a charting library."""
    code = (
        "import sys, models.train, models.evaluate, models.live\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('app', 'streamlit', 'plotly', 'altair'))\n"
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"models.train imports {done.stdout.strip()}"


def long_functions(folder: Path, limit: int) -> list[str]:
    """Every function or method in ``folder`` longer than ``limit`` lines (decorators excluded)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_is_longer_than_a_screen():
    assert long_functions(ROOT / "models", MAX_FUNCTION_LINES) == []
    assert long_functions(ROOT / "app", MAX_FUNCTION_LINES) == []


def test_the_long_function_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def too_long():\n{body}\n")
    found = long_functions(tmp_path, MAX_FUNCTION_LINES)
    assert len(found) == 1 and "too_long" in found[0]
