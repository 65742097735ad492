"""Train a model: `python -m models.train COMMAND [options]`. Every shipped checkpoint was made this way.

    python -m models.train date --attention additive --budget 60 --name date-additive

COMMANDS (each is one module of models/tasks/)
    date        a character seq2seq that rewrites dates into ISO form          models/tasks/dates.py
    transformer the same task with a small encoder-decoder Transformer         models/tasks/dates.py
    translate   English -> Korean (or back) on the Tatoeba pairs               models/tasks/translation.py
    caption     a CNN + LSTM captioner with visual attention (--data shapes, rsicd, photos)  models/tasks/captions.py
    experiment  the bottleneck experiment: long sequences, with/without attention  models/tasks/bottleneck.py
    classify    a BiLSTM + attention sentiment classifier of reviews (NSMC, IMDB)  models/tasks/sentiment.py
    ntm         a Neural Turing Machine that learns to copy bit patterns        models/tasks/ntm.py

Each run prints a progress bar, stops at its target metric or its time budget, saves
``<out>/<name>.safetensors`` + ``<name>.json`` (the card: config, vocabulary, command, seed, wall time
and the metrics of ``python -m models.evaluate``), and keeps a resumable checkpoint in
``runs/<name>/`` while it trains (``--checkpoint``; ``--resume`` continues from it).

The photo captioners also train on several processes or GPUs (PyTorch DistributedDataParallel, see
models/distributed.py):

    torchrun --nproc_per_node 8 -m models.train caption --data photos --karpathy DIR/dataset_flickr8k.json ...
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from models import registry, tasks

__all__ = ["main", "parser"]

HELP = {
    "date": "dates -> ISO, character seq2seq with attention",
    "transformer": "dates -> ISO with a small encoder-decoder Transformer",
    "translate": "English <-> Korean on the Tatoeba pairs, with sentencepiece",
    "caption": "images -> captions, CNN + LSTM with visual attention",
    "experiment": "the bottleneck experiment: long sequences, with/without attention",
    "classify": "reviews -> positive / negative, BiLSTM with attention pooling",
    "ntm": "bit patterns -> their copy, a Neural Turing Machine (or its LSTM baseline)",
}


def _common(sub: argparse.ArgumentParser) -> None:
    """The options every command has."""
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--budget", type=float, default=60.0, help="time budget in seconds")
    sub.add_argument("--max-steps", type=int, default=None)
    sub.add_argument("--device", default=None, help="cpu, cuda, ... (default: $ATTENTION_LENS_DEVICE or auto)")
    sub.add_argument("--out", type=Path, default=registry.ASSETS_DIR, help="where the checkpoint goes")
    sub.add_argument("--checkpoint", action="store_true", help="keep a resumable checkpoint in runs/NAME/")
    sub.add_argument("--resume", action="store_true", help="continue from runs/NAME/ (implies --checkpoint)")
    sub.add_argument("--no-save", action="store_true", help="do not write the final checkpoint")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per task, its options from its module."""
    top = argparse.ArgumentParser(
        prog="python -m models.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = top.add_subparsers(dest="command", required=True)
    for command in tasks.TRAIN_COMMANDS:
        sub = commands.add_parser(command, help=HELP.get(command, ""))
        tasks.for_command(command).add_arguments(sub, command)
        _common(sub)
    return top


def main(argv: Sequence[str] | None = None) -> dict:
    """Parse, then hand the run to the command's task module; returns the card."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    args.argv = argv  # the card records the exact command
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not (args.command == "caption" and args.data != "shapes"):
        raise SystemExit("torchrun: only the photo captioners (caption --data rsicd or photos) train on several ranks")
    return tasks.for_command(args.command).train(args)


if __name__ == "__main__":
    main()
