"""Real photos with captions, from the standard Karpathy split files (Flickr8k, Flickr30k, COCO).

    dataset_flickr8k.json = {"images": [{"filename": "1000268201_693b08cb0e.jpg",
                                         "filepath": "val2014",            # COCO only, optional
                                         "split": "train" | "val" | "test" | "restval",
                                         "sentences": [{"tokens": ["a", "child", ...], "raw": "..."}, ...]},
                                        ...]}

``read_karpathy(json_path, images_dir)`` returns one ``CaptionedImage`` per image (``restval`` counts as train,
as usual), the same records the captions TSV reader of models/data/rsicd.py gives: a caption's tokens are
``caption_tokens`` of its ``raw`` text (the tokens the scores compare), or the file's ``tokens`` when it has no
raw text. ``build_vocabulary`` keeps the training words seen at least ``min_count`` times.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.data.rsicd import CaptionedImage, build_vocabulary
from models.metrics import caption_tokens

__all__ = ["CaptionedImage", "KarpathyError", "build_vocabulary", "read_karpathy"]


class KarpathyError(ValueError):
    """The split file or its images are not what the Karpathy format promises."""


def _caption(sentence: dict) -> tuple[tuple[str, ...], str]:
    """(tokens, text) of one sentence entry."""
    raw = sentence.get("raw") or ""
    tokens = caption_tokens(raw) if raw.strip() else [tok.lower() for tok in sentence.get("tokens") or []]
    return tuple(tokens), raw.strip() or " ".join(tokens)


def read_karpathy(
    json_path: str | Path, images_dir: str | Path | None = None, split: str | None = None
) -> list[CaptionedImage]:
    """Every image of the split file (only those of ``split`` when given) whose file exists in ``images_dir``
    (default: ``images/`` beside the file); raises KarpathyError when the file is not in the format or no
    image is found."""
    json_path = Path(json_path)
    images_dir = Path(images_dir) if images_dir is not None else json_path.parent / "images"
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise KarpathyError(f"cannot read the split file {json_path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise KarpathyError(f"{json_path} has no 'images' list: is it a Karpathy split file?")
    items, missing = [], 0
    for entry in data["images"]:
        try:
            name, entry_split, sentences = entry["filename"], entry["split"], entry["sentences"]
        except (KeyError, TypeError) as err:
            raise KarpathyError(f"an entry of {json_path} lacks {err}: expected filename, split, sentences") from err
        entry_split = "train" if entry_split == "restval" else entry_split
        if split is not None and entry_split != split:
            continue
        path = images_dir / entry.get("filepath", "") / name
        if not path.is_file():
            path = images_dir / name
        if not path.is_file():
            missing += 1
            continue
        captions = [_caption(s) for s in sentences if isinstance(s, dict)]
        captions = [(tokens, text) for tokens, text in captions if tokens]
        if captions:
            items.append(
                CaptionedImage(
                    file=name,
                    path=path,
                    split=entry_split,
                    scene="",
                    captions=tuple(tokens for tokens, _ in captions),
                    texts=tuple(text for _, text in captions),
                )
            )
    if not items:
        raise KarpathyError(f"none of the {len(data['images'])} images of {json_path} were found in {images_dir}")
    if missing:
        print(f"karpathy: {missing} images listed in {json_path.name} are missing from {images_dir}; skipped")
    return items
