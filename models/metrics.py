"""Caption metrics: BLEU-4 (sacrebleu), exact match, object precision/recall, and two checks of where
the attention looked — the pointing game and attention correctness.

* **Pointing game** (Zhang et al. 2016): for each generated shape word that names a real object, does
  the maximum of its attention map, upsampled to the image, fall inside that object's box (grown by a
  small tolerance)?
* **Attention correctness** (Liu et al. 2017): the share of the (upsampled) attention mass that falls
  inside the object's box, averaged over the same words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import sacrebleu
import torch
from torch.nn import functional as F

__all__ = [
    "bleu4",
    "mass_in_box",
    "object_phrases",
    "object_scores",
    "peak_in_box",
    "upsample",
    "word_objects",
]

SIZE_WORDS = ("small", "large")


def bleu4(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus BLEU-4 in [0, 100] with sacrebleu; references[i] lists every reference of hypothesis i."""
    if not hypotheses:
        return 0.0
    width = max(len(r) for r in references)
    streams = [[refs[k] if k < len(refs) else refs[0] for refs in references] for k in range(width)]
    return float(sacrebleu.corpus_bleu(list(hypotheses), streams, tokenize="none").score)


def object_phrases(tokens: Sequence[str]) -> list[tuple[int, tuple[str, str, str]]]:
    """(index of the shape word, (size, colour, shape)) for every "a <size> <colour> <shape>" in a caption."""
    phrases = []
    for i in range(len(tokens) - 3):
        if tokens[i] == "a" and tokens[i + 1] in SIZE_WORDS:
            phrases.append((i + 3, (tokens[i + 1], tokens[i + 2], tokens[i + 3])))
    return phrases


def object_scores(
    predicted: Sequence[tuple[str, str, str]], truth: Sequence[tuple[str, str, str]]
) -> tuple[int, int, int]:
    """(true positives, predicted count, true count), matching (size, colour, shape) triples as multisets."""
    hits = sum((Counter(predicted) & Counter(truth)).values())
    return hits, len(predicted), len(truth)


def word_objects(words: Sequence[str], objects: Sequence[tuple[str, str, str]]) -> list[int | None]:
    """For each word of a generated caption, the index of the true object it describes, or None.

    Each "a <size> <colour> <shape>" phrase is matched, in order, to the first unmatched object with the
    same three words; its size, colour and shape words then point at that object.
    """
    out: list[int | None] = [None] * len(words)
    unmatched = list(range(len(objects)))
    for shape_index, phrase in object_phrases(words):
        match = next((k for k in unmatched if objects[k] == phrase), None)
        if match is not None:
            unmatched.remove(match)
            out[shape_index - 2 : shape_index + 1] = [match] * 3
    return out


def upsample(attention_map: np.ndarray, size: int) -> np.ndarray:
    """A (h, w) attention map resized smoothly (bilinear) to (size, size), still summing to 1."""
    t = torch.as_tensor(attention_map, dtype=torch.float32)[None, None]
    up = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy().astype(np.float64)
    up = np.clip(up, 0, None)
    return up / max(up.sum(), 1e-12)


def peak_in_box(up: np.ndarray, box: Sequence[int], tolerance: int = 8) -> bool:
    """Whether the upsampled map's maximum lies inside ``box`` (x0, y0, x1, y1; x1, y1 exclusive)
    grown by ``tolerance`` pixels on every side."""
    y, x = np.unravel_index(int(np.argmax(up)), up.shape)
    x0, y0, x1, y1 = box
    return x0 - tolerance <= x < x1 + tolerance and y0 - tolerance <= y < y1 + tolerance


def mass_in_box(up: np.ndarray, box: Sequence[int]) -> float:
    """The share of the upsampled map's mass inside ``box`` (x0, y0, x1, y1; x1, y1 exclusive)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    return float(up[max(y0, 0) : y1, max(x0, 0) : x1].sum() / max(up.sum(), 1e-12))
