"""Aerial captions: the caption reader, the scores (pycocoevalcap), the deletion metric on a tiny model whose answer
is known, and the feature batches."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from models.captioner import Captioner, CaptionerConfig
from models.data.rsicd import NON_AERIAL_KINDS, build_vocabulary, read_captions, scene_class, synthetic_non_aerial
from models.metrics import (
    attended_mask,
    caption_scores,
    caption_tokens,
    content_words,
    deletion_summary,
    shifted_masks,
)
from models.tasks.captions_common import FeatureBatches
from models.vocab import Vocab

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "ucm"


def test_captions_are_read_by_their_header_in_either_format(tmp_path):
    items = read_captions(FIXTURE / "captions.tsv")  # file<TAB>caption
    assert len(items) == 5 and all(len(i.captions) == 5 for i in items)
    assert items[0].file == "buildings90.jpg" and items[0].split == "test" and items[0].scene == "buildings"
    assert items[0].captions[0] == ("there", "are", "some", "buildings", "with", "grey", "roofs")
    (tmp_path / "images").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "images" / "airport_3.jpg")
    (tmp_path / "captions.tsv").write_text("file\tsplit\tcaption\nairport_3.jpg\ttrain\tMany planes, parked .\n")
    (item,) = read_captions(tmp_path / "captions.tsv")
    assert (item.split, item.scene, item.captions) == ("train", "airport", (("many", "planes", "parked"),))
    assert build_vocabulary([item], min_count=1) == ["many", "parked", "planes"]


def test_a_missing_photo_or_column_is_a_clear_error(tmp_path):
    (tmp_path / "captions.tsv").write_text("file\tcaption\nnope.jpg\ta river\n")
    with pytest.raises(ValueError, match=r"nope\.jpg"):
        read_captions(tmp_path / "captions.tsv", tmp_path)
    (tmp_path / "bad.tsv").write_text("name\ttext\nx.jpg\ta river\n")
    with pytest.raises(ValueError, match="'file' and 'caption'"):
        read_captions(tmp_path / "bad.tsv", tmp_path)


def test_scene_classes_come_from_file_names():
    assert [scene_class(f) for f in ("airport_12.jpg", "tenniscourt07.jpg", "00001.jpg")] == [
        "airport",
        "tenniscourt",
        "",
    ]


def test_caption_tokens_lower_case_and_drop_punctuation():
    assert caption_tokens("Two tennis-courts, surrounded by trees .") == [
        "two",
        "tennis-courts",
        "surrounded",
        "by",
        "trees",
    ]


def test_scores_are_perfect_for_a_reference_and_low_for_nonsense():
    refs = [
        ["a river goes through the green forest .", "green trees on both banks of a river"],
        ["many cars are parked in the parking lot", "a parking lot with many cars"],
        ["two tennis courts surrounded by trees", "there are two tennis courts"],
    ]
    perfect = caption_scores([r[0] for r in refs], refs)
    assert perfect["bleu4"] == pytest.approx(1.0, abs=1e-6) and perfect["bleu1"] == pytest.approx(1.0, abs=1e-6)
    assert perfect["cider"] > 1.0  # CIDEr-D is scaled by 10 and weighs the rarer n-grams more
    nonsense = caption_scores(["a beach with white waves"] * 3, refs)
    assert nonsense["bleu4"] < 0.01 and nonsense["cider"] < perfect["cider"] / 10


def test_content_words_skip_the_stop_words():
    words = ["many", "green", "trees", "are", "around", "a", "playground", "and", "two", "buildings"]
    assert [words[i] for i in content_words(words)] == ["green", "trees", "playground", "buildings"]


def test_the_attended_area_is_the_share_asked_for_and_random_areas_keep_its_shape():
    attention = np.zeros((4, 4))
    attention[1, 2] = 1.0
    mask = attended_mask(attention, 32, area=0.1)
    assert mask.sum() == round(0.1 * 32 * 32)
    assert mask[12, 20]  # the centre of cell (1, 2)
    shifted = shifted_masks(mask, 10, np.random.default_rng(0))
    assert shifted.shape == (10, 32, 32) and (shifted.sum((1, 2)) == mask.sum()).all()


def test_deletion_summary_on_hand_numbers():
    summary = deletion_summary([0.8, 0.5, 0.4], [0.2, 0.5, 0.3], [[0.7, 0.7], [0.4, 0.4], [0.4, 0.4]])
    # drops: attended 0.6, 0.0, 0.1; random 0.1, 0.1, 0.0 -> words 1 and 3 count; ratios where random > 0: 6, 0
    assert summary["attended_hurts_more"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["median_drop_ratio"] == pytest.approx(3.0)
    assert summary["ratio_words"] == 2 and summary["words"] == 3


# ----------------------------------------------------------------------------- a tiny model with a known answer

VOCAB = Vocab(["a", "white", "square"])


def brightness_captioner(context_matters: bool) -> Captioner:
    """A hand-set captioner on 32 px images, 4 × 4 regions: each region's feature is its brightness; attention goes
    to the brightest region; "white" and "square" are likely in proportion to the brightness it looked at
    (or, with ``context_matters=False``, whatever it looked at)."""
    cfg = CaptionerConfig(
        vocab=VOCAB.tokens,
        image_size=32,
        grid=4,
        widths=[4, 8, 8],
        embed_dim=4,
        hidden_dim=4,
        attention_dim=1,
        dropout=0.0,
        deep_output=True,
    )
    model = Captioner(cfg)
    for p in model.parameters():
        nn.init.zeros_(p)
    pool, to_features = nn.AvgPool2d(8), nn.Conv2d(3, 8, 1)  # (B, 3, 32, 32) -> (B, 8, 4, 4)
    nn.init.zeros_(to_features.weight)
    nn.init.zeros_(to_features.bias)
    with torch.no_grad():
        to_features.weight[0, :, 0, 0] = 1 / 3  # channel 0: mean brightness of the region
        model.encoder = nn.Sequential(pool, to_features)
        model.attention.W_k.weight[0, 0] = 1.0  # score = 20 tanh(brightness): the bright region wins
        model.attention.v.weight[0, 0] = 20.0
        model.f_beta.bias.fill_(10.0)  # β ≈ 1
        for word in ("white", "square"):  # logit = 10 × the brightness of the context (feature 0 after h)
            model.out.weight[VOCAB.index[word], cfg.hidden_dim] = 10.0 if context_matters else 0.0
    return model.eval()


def white_square() -> Image.Image:
    image = Image.new("RGB", (32, 32), "black")
    image.paste((255, 255, 255), (16, 8, 24, 16))  # region (row 1, column 2)
    return image


def test_deletion_finds_the_attention_that_matters():
    words = ["a", "white", "square"]
    results = brightness_captioner(context_matters=True).deletion(white_square(), words=words, draws=10)
    assert [(r.word, r.index) for r in results] == [("white", 1), ("square", 2)]
    for r in results:
        assert r.mask[12, 20] and r.mask.sum() == round(0.1 * 32 * 32)  # the white square is what was blanked
        assert r.p_full > 0.4 and r.drop_attended > 0.2
        assert r.drop_attended > r.drop_random and r.attention_matters
    summary = deletion_summary(
        [r.p_full for r in results], [r.p_attended for r in results], [r.p_random for r in results]
    )
    assert summary["attended_hurts_more"] == 1.0


def test_deletion_gives_no_credit_when_the_words_ignore_the_image():
    results = brightness_captioner(context_matters=False).deletion(white_square(), words=["a", "white", "square"])
    assert len(results) == 2
    for r in results:
        assert r.drop_attended == pytest.approx(0.0, abs=1e-6) and not r.attention_matters


# ----------------------------------------------------------------------------- training batches


def test_feature_batches_teach_every_caption_of_each_photo():
    items = read_captions(FIXTURE / "captions.tsv")
    items = [i.__class__(**{**i.__dict__, "split": "train"}) for i in items]
    vocab = Vocab(build_vocabulary(items, min_count=1))
    features = np.random.default_rng(0).standard_normal((5, 6, 2, 2)).astype(np.float16)
    data = FeatureBatches(features, items, vocab, seed=0, device="cpu")
    grid, rows, y_in, y_out = data.batch(step=3, size=2)
    assert grid.shape == (2, 6, 2, 2) and grid.dtype == torch.float32
    assert rows.tolist() == [0] * 5 + [1] * 5 and y_in.shape == y_out.shape and y_in.size(0) == 10
    assert (y_in[:, 0] == vocab.bos_id).all()
    again = data.batch(step=3, size=2)
    assert torch.equal(again[0], grid) and torch.equal(again[3], y_out)  # a step is a pure function of the seed


def test_synthetic_non_aerial_images_cycle_through_every_kind():
    images = synthetic_non_aerial(12, size=32, seed=5)
    assert [k for k, _ in images] == list(NON_AERIAL_KINDS) * 2
    assert all(img.size == (32, 32) and img.mode == "RGB" for _, img in images)
