"""Caption metrics: BLEU-4 (sacrebleu), exact match, object precision/recall, and two checks of where
the attention looked — the pointing game and attention correctness.

* **Pointing game** (Zhang et al. 2016): for each generated shape word that names a real object, does
  the maximum of its attention map, upsampled to the image, fall inside that object's box (grown by a
  small tolerance)?
* **Attention correctness** (Liu et al. 2017): the share of the (upsampled) attention mass that falls
  inside the object's box, averaged over the same words.

For photos with human captions: BLEU-1..4 and CIDEr-D from pycocoevalcap (the COCO caption evaluation code;
its ``Cider`` is the CIDEr-D variant: clipped n-gram counts, a Gaussian length penalty, ×10), on lower-cased
tokens with the punctuation stripped here (PTB-style, without the Java tokenizer). And the **deletion
metric** per word (after Petsiuk et al. 2018): blank the area a word attended to most and see how much the
word's probability drops, against random areas of the same shape and size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import sacrebleu
import torch
from torch.nn import functional as F

__all__ = [
    "STOP_WORDS",
    "attended_mask",
    "bleu4",
    "caption_scores",
    "caption_tokens",
    "content_words",
    "deletion_summary",
    "mass_in_box",
    "object_phrases",
    "object_scores",
    "peak_in_box",
    "shifted_masks",
    "upsample",
    "word_objects",
]

SIZE_WORDS = ("small", "large")

# words that name nothing in a photo (articles, prepositions, verbs, adverbs, quantifiers, pronouns): the deletion
# metric scores the others, the nouns and adjectives such as "playground", "river", "green"
STOP_WORDS = frozenset(
    """a an the and or of in on at to by with near next beside around between among along across over under
    above below behind front from into through side sides part middle left right top bottom this that these those
    there here it its is are be been being was were has have having some many several lots lot much few
    one two three four five six seven eight nine ten piece pieces kind kinds other each all both very also
    as which who while where what when than too such can surrounded located parked arranged built covered planted
    lined stopped docked scattered densely neatly closely""".split()  # noqa: SIM905 - a list reads worse
)


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


# --------------------------------------------------------------------------- photos with human captions


def caption_tokens(text: str) -> list[str]:
    """A human caption as the scores read it: lower case, punctuation dropped, split on spaces (PTB-style)."""
    kept = "".join(ch if ch.isalnum() or ch.isspace() or ch in "'-" else " " for ch in text.lower())
    return [tok.strip("'-") for tok in kept.split() if tok.strip("'-")]


def caption_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    """BLEU-1..4 and CIDEr-D (pycocoevalcap) of one hypothesis per image against all its references.

    Every string is normalised with ``caption_tokens`` first. BLEU is in [0, 1] here, as the COCO code reports it.
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider

    if not hypotheses:
        return {"bleu1": 0.0, "bleu2": 0.0, "bleu3": 0.0, "bleu4": 0.0, "cider": 0.0}
    res = {i: [" ".join(caption_tokens(h))] for i, h in enumerate(hypotheses)}
    gts = {i: [" ".join(caption_tokens(r)) for r in refs] for i, refs in enumerate(references)}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    cider, _ = Cider().compute_score(gts, res)
    return {f"bleu{n + 1}": round(float(b), 4) for n, b in enumerate(bleu)} | {"cider": round(float(cider), 4)}


def content_words(words: Sequence[str]) -> list[int]:
    """The positions of the words that name something (not in STOP_WORDS, alphabetic, two letters or more)."""
    return [i for i, w in enumerate(words) if w.isalpha() and len(w) > 1 and w not in STOP_WORDS]


def attended_mask(attention_map: np.ndarray, size: int, area: float = 0.1) -> np.ndarray:
    """The ``area`` share of a (size, size) image that a (h, w) attention map weighs most: (size, size) bool.

    The map is upsampled smoothly first (``upsample``), so the area follows the map's shape, not its grid cells.
    """
    up = upsample(attention_map, size)
    n = max(1, round(area * size * size))
    mask = np.zeros(size * size, dtype=bool)
    mask[np.argsort(-up.ravel(), kind="stable")[:n]] = True
    return mask.reshape(size, size)


def shifted_masks(mask: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` random areas of the same shape and size as ``mask``: (draws, H, W) bool, each ``mask``
    moved by a random offset (wrapping around the edges), so only *where* differs from the attended area."""
    H, W = mask.shape
    return np.stack([np.roll(mask, (int(rng.integers(H)), int(rng.integers(W))), axis=(0, 1)) for _ in range(draws)])


def deletion_summary(p_full: Sequence[float], p_attended: Sequence[float], p_random: Sequence[Sequence[float]]) -> dict:
    """The deletion metric over many words: the share of words whose attended area hurts more than a random one.

    p_full[i]      the word's probability with the whole image
    p_attended[i]  with its attended area blanked
    p_random[i]    with each random area blanked (one value per draw)

    drop = p_full − p_blanked. A word counts when its attended drop exceeds the mean random drop. The ratio
    attended drop / mean random drop is taken where the random drop is positive; its median is reported.
    """
    full = np.asarray(p_full, dtype=np.float64)
    att = full - np.asarray(p_attended, dtype=np.float64)  # (N,)
    rnd = full - np.asarray([np.mean(r) for r in p_random], dtype=np.float64)  # (N,)
    positive = rnd > 0
    ratios = att[positive] / rnd[positive]
    return {
        "words": len(full),
        "attended_hurts_more": round(float(np.mean(att > rnd)), 4) if len(full) else None,
        "median_drop_ratio": round(float(np.median(ratios)), 4) if len(ratios) else None,
        "ratio_words": int(positive.sum()),
        "mean_drop_attended": round(float(att.mean()), 4) if len(full) else None,
        "mean_drop_random": round(float(rnd.mean()), 4) if len(full) else None,
    }


def scene_word_hits(words: Sequence[str], weights: np.ndarray, scene) -> list[bool | None]:
    """For a shapes scene (models.data.shapes.Scene, whose truth is known) and a caption of it with one map
    per word (len(words), h, w): per word, did its attention peak fall on the object it names (None for a word
    that names none)?"""
    truth = word_objects(words, [(o.size, o.colour, o.shape) for o in scene.objects])
    hits: list[bool | None] = []
    for i, obj in enumerate(truth):
        if obj is None:
            hits.append(None)
            continue
        up = upsample(weights[i], scene.size)
        hits.append(peak_in_box(up, scene.objects[obj].box, tolerance=round(scene.size / 16)))
    return hits
