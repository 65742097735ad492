"""How text becomes tokens: characters (the date models) or sentencepiece pieces (translation).

Both give a list of token strings; the model's Vocab maps them to ids. A sentencepiece model is a
small protobuf file shipped beside the checkpoint (``<name>.<lang>.spm``); nothing is pickled.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm

__all__ = ["WORD_START", "CharTokenizer", "PieceTokenizer", "load_tokenizer", "train_sentencepiece"]

WORD_START = "▁"  # sentencepiece marks the first piece of a word with it


class CharTokenizer:
    """One token per character."""

    name = "chars"

    def encode(self, text: str) -> list[str]:
        return list(text)

    def decode(self, tokens: list[str]) -> str:
        return "".join(tokens)

    def label(self, token: str) -> str:
        return token

    def labels(self, tokens: list[str]) -> list[str]:
        return list(tokens)

    def vocabulary(self) -> list[str]:
        raise NotImplementedError("a character vocabulary comes from the data")


class PieceTokenizer:
    """A trained sentencepiece model: subword pieces, "▁" marking the start of a word."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.sp = spm.SentencePieceProcessor(model_file=str(self.path))

    def encode(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self.sp.decode_pieces(list(tokens))

    def label(self, token: str) -> str:
        """A piece as a person reads it on an axis: "▁love" -> "love", "s" -> "·s" (continues a word)."""
        if token == WORD_START:
            return "␣"
        return token[1:] if token.startswith(WORD_START) else "·" + token

    def labels(self, tokens: list[str]) -> list[str]:
        """Labels for a whole sequence: a piece right after a lone "▁" starts its word, so it gets no "·"."""
        return [
            tok if i > 0 and tokens[i - 1] == WORD_START and not tok.startswith(WORD_START) else self.label(tok)
            for i, tok in enumerate(tokens)
        ]

    def vocabulary(self) -> list[str]:
        """Every piece except sentencepiece's own <unk>/<s>/</s>, in id order."""
        return [
            self.sp.id_to_piece(i)
            for i in range(self.sp.get_piece_size())
            if not self.sp.is_control(i) and not self.sp.is_unknown(i)
        ]

    def uncovered(self, text: str) -> list[str]:
        """The words of ``text`` that contain characters the model has never seen."""
        out = []
        for word in text.split():
            ids = self.sp.encode(word)
            if any(self.sp.is_unknown(i) for i in ids) and word not in out:
                out.append(word)
        return out


def load_tokenizer(spec: str, base_dir: str | Path | None = None) -> CharTokenizer | PieceTokenizer:
    """``"chars"``, or a sentencepiece file name relative to ``base_dir`` (the checkpoint's folder)."""
    if spec == "chars":
        return CharTokenizer()
    path = Path(base_dir or ".") / spec
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer file {path} is missing")
    return PieceTokenizer(path)


def train_sentencepiece(sentences: Iterable[str], path: str | Path, vocab_size: int) -> Path:
    """Train a unigram sentencepiece model on ``sentences`` and write it to ``path`` (deterministic)."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences)),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=0,
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    path = Path(path)
    path.write_bytes(model.getvalue())
    return path
