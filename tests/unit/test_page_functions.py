"""Page functions take what they draw as arguments: none reads a variable the page's script set at module
level (constants in UPPER_CASE and imported names aside), so a function can be read, tested and reused
without the script around it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_variables(tree: ast.Module) -> set[str]:
    """Names the script assigns at its top level (in loops, ``with`` and ``if`` blocks too), not imports."""
    names: set[str] = set()
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import | ast.ImportFrom):
                imported.update((a.asname or a.name).split(".")[0] for a in sub.names)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
    return {n for n in names - imported if not n.lstrip("_").isupper()}


def _reads_of_module_variables(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_vars = _module_variables(tree)
    found = []
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    functions += [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body if isinstance(m, ast.FunctionDef)]
    for fn in functions:
        body = ast.Module(body=fn.body, type_ignores=[])
        local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        local |= {n.id for n in ast.walk(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        local |= {
            a.arg
            for n in ast.walk(body)
            if isinstance(n, ast.Lambda | ast.FunctionDef)
            for a in ast.walk(n.args)
            if isinstance(a, ast.arg)
        }
        read = {n.id for n in ast.walk(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for name in sorted((read & module_vars) - local):
            found.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} reads {name}")
    return found


def test_no_page_function_reads_the_scripts_variables():
    found = [f for p in sorted((ROOT / "app" / "pages").rglob("*.py")) for f in _reads_of_module_variables(p)]
    assert not found, "\n".join(found)


def test_the_check_finds_a_function_that_reads_one(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nname = st.text_input('x')\n\ndef show():\n    st.write(name)\n")
    assert [f.split(" ", 1)[1] for f in _reads_of_module_variables_at(page, tmp_path)] == ["show reads name"]


def _reads_of_module_variables_at(path: Path, root: Path) -> list[str]:
    global ROOT  # noqa: PLW0603 -- the check names files relative to ROOT
    saved, ROOT = ROOT, root
    try:
        return _reads_of_module_variables(path)
    finally:
        ROOT = saved
