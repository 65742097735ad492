"""The caption command's three data sources, chosen one way (``--data``): the photos pipeline end to end on a
few generated pictures (a Karpathy split file, the frozen EfficientNet-Lite0, features once, the decoder, the
familiarity rule, beam-search scores), its evaluation from the JSON or a captions TSV, and the readers."""

import json

import pytest
from PIL import Image

from models import registry
from models.data.karpathy import KarpathyError, read_karpathy
from models.data.rsicd import read_captions
from models.evaluate import main as evaluate_main
from models.tasks.captions import PIPELINES
from models.tasks.captions_common import read_photos
from models.tasks.captions_photos import source_name
from models.train import main as train_main

COLOURS = {"red": (200, 30, 30), "blue": (30, 30, 200), "green": (30, 160, 30)}


def tiny_split(folder):
    """Six pictures (four train, two val) in a Karpathy split file and the same captions as a TSV."""
    images = folder / "images"
    images.mkdir()
    entries, lines = [], ["file\tsplit\tcaption"]
    for i, (colour, split) in enumerate(
        zip(["red", "blue", "green", "red", "blue", "green"], ["train"] * 4 + ["val"] * 2, strict=True)
    ):
        Image.new("RGB", (80, 60), COLOURS[colour]).save(images / f"photo{i}.jpg")  # no Flickr id in the name
        raw = [f"A {colour} thing.", f"a {colour} square"]
        entry = {"filename": f"photo{i}.jpg", "split": split, "sentences": [{"raw": r, "tokens": []} for r in raw]}
        entries.append(entry)
        lines += [f"photo{i}.jpg\t{split}\t{r}" for r in raw]
    entries.append({"filename": "missing.jpg", "split": "test", "sentences": [{"tokens": ["a"]}]})
    (folder / "dataset_tiny.json").write_text(json.dumps({"images": entries}))
    (folder / "captions.tsv").write_text("\n".join(lines) + "\n")
    return folder / "dataset_tiny.json"


def test_the_photos_pipeline_trains_on_cached_features_and_evaluates_from_either_file(tmp_path, capsys):
    split_file = tiny_split(tmp_path)
    out = tmp_path / "out"
    argv = ["caption", "--data", "photos", "--karpathy", str(split_file), "--image-size", "64", "--min-count", "1"]
    argv += ["--embed", "8", "--hidden", "16", "--attention-dim", "8", "--aerial-components", "2", "--val", "2"]
    argv += ["--batch", "2", "--captions-per-photo", "2", "--max-steps", "3", "--budget", "300", "--eval-every", "1000"]
    argv += ["--features", str(tmp_path / "features"), "--out", str(out), "--name", "tiny-photo", "--quiet"]
    card = train_main(argv)
    assert card["task"] == "caption-photo" and card["training"]["steps"] == 3
    assert set(card["config"]["vocab"]) >= {"a", "red", "blue", "green", "thing", "square"}
    assert card["config"]["encoder"] == "efficientnet_lite0" and card["config"]["grid"] == 4  # 64 px, stride 16
    scores = card["metrics"]["tiny_val"]
    assert scores["n_images"] == 2 and scores["beam_width"] == 3 and 0.0 <= scores["bleu4"] <= 1.0
    assert scores["evaluated_with"].startswith(f"python -m models.evaluate --model tiny-photo --captions {split_file}")
    assert card["aerial_check"]["threshold_from"].endswith("(tiny val)")
    assert set(card["training"]["wall_time_parts_s"]) == {
        "setup",
        "feature_extraction",
        "held_out_check",
        "training",
        "final_measurement",
    }
    assert list((tmp_path / "features").glob("*.npy"))  # the features were computed once, kept for a second run

    loaded = registry.load_checkpoint(out / "tiny-photo.json", device="cpu")
    (check,) = loaded.model.aerial_check([Image.new("RGB", (64, 64), COLOURS["red"])])
    assert check.threshold == pytest.approx(card["aerial_check"]["threshold"], abs=1e-3)
    capsys.readouterr()
    from_json = evaluate_main(
        ["--model", str(out / "tiny-photo.json"), "--captions", str(split_file), "--split", "val"]
    )
    from_tsv = evaluate_main(
        ["--model", str(out / "tiny-photo.json"), "--captions", str(tmp_path / "captions.tsv"), "--split", "val"]
    )
    assert from_json["n_images"] == from_tsv["n_images"] == 2
    assert from_json["generated"] == from_tsv["generated"] and from_json["bleu4"] == from_tsv["bleu4"]


def test_the_pipeline_is_chosen_one_way(tmp_path):
    assert set(PIPELINES) == {"shapes", "rsicd", "photos"}
    with pytest.raises(SystemExit, match="--karpathy: options of the photos captioner; add --data photos"):
        train_main(["caption", "--karpathy", str(tmp_path / "dataset.json"), "--no-save", "--quiet"])
    with pytest.raises(SystemExit, match="--data photos needs --karpathy FILE"):
        train_main(["caption", "--data", "photos", "--no-save", "--quiet"])
    with pytest.raises(SystemExit, match="--data rsicd needs --rsicd DIR"):
        train_main(["caption", "--data", "rsicd", "--no-save", "--quiet"])
    with pytest.raises(SystemExit):  # the torch-hub ResNet options are gone
        train_main(["caption", "--encoder", "resnet50", "--pretrained"])


def test_a_karpathy_file_reads_as_the_captions_tsv_does(tmp_path):
    split_file = tiny_split(tmp_path)
    from_json = read_karpathy(split_file)  # images/ beside the file; the listed test photo is missing: skipped
    from_tsv = read_captions(tmp_path / "captions.tsv")
    assert [(i.file, i.split, i.captions) for i in from_json] == [(i.file, i.split, i.captions) for i in from_tsv]
    assert from_json[0].captions[0] == ("a", "red", "thing") and from_json[0].texts[0] == "A red thing."
    assert [i.file for i in read_photos(split_file, split="val")] == ["photo4.jpg", "photo5.jpg"]
    assert source_name(split_file) == "tiny" and source_name("flickr.json") == "flickr"
    assert source_name(tmp_path / "flickr8k" / "captions.tsv") == "flickr8k"  # a TSV: its folder
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(KarpathyError, match="no 'images' list"):
        read_karpathy(tmp_path / "bad.json")


def test_a_split_needs_only_its_own_photos(tmp_path):
    (tmp_path / "images").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "images" / "v.jpg")
    (tmp_path / "captions.tsv").write_text("file\tsplit\tcaption\nt.jpg\ttrain\ta road\nv.jpg\tval\ta river\n")
    assert [i.file for i in read_captions(tmp_path / "captions.tsv", split="val")] == ["v.jpg"]
    with pytest.raises(ValueError, match=r"t\.jpg"):  # the train photo was removed
        read_captions(tmp_path / "captions.tsv")
    with pytest.raises(SystemExit, match=r"t\.jpg"):
        evaluate_main(["--model", "caption-aerial", "--captions", str(tmp_path / "captions.tsv")])


def test_a_val_photo_from_a_train_photo_s_burst_is_flagged_and_left_out_of_the_score():
    import numpy as np

    from models.data.rsicd import CaptionedImage
    from models.tasks.captions_photos import burst_duplicates

    rng = np.random.default_rng(0)
    base = rng.normal(size=(4, 8, 2, 2)).astype(np.float16)
    twin = base[0] + rng.normal(scale=0.05, size=(8, 2, 2)).astype(np.float16)  # the same scene, a moment later
    features = np.concatenate([base, twin[None], base[1:2]])  # rows 0-3 train, 4-5 val
    names = ["1000_a.jpg", "5000_b.jpg", "900000_c.jpg", "2000000_d.jpg", "1042_e.jpg", "9000000_f.jpg"]
    items = [CaptionedImage(n, None, "train" if k < 4 else "val", "", (("a",),), ("a",)) for k, n in enumerate(names)]
    found = burst_duplicates(features, items)
    # the twin of row 0 was uploaded right after it; row 5 is a copy of row 1 but far away in time (another
    # photographer): only bursts count
    assert [(d["photo"], d["train_photo"]) for d in found] == [("1042_e.jpg", "1000_a.jpg")]
    assert found[0]["cosine"] > 0.9


def test_a_captioner_on_another_layer_is_checked_for_bursts_on_the_calibrated_layer_too():
    import numpy as np

    from models.data.rsicd import CaptionedImage
    from models.tasks.captions_photos import BURST_LAYER, near_duplicates

    rng = np.random.default_rng(1)
    base = rng.normal(size=(4, 8, 2, 2)).astype(np.float16)
    names = ["1000_a.jpg", "5000_b.jpg", "900000_c.jpg", "2000000_d.jpg", "1042_e.jpg", "5050_f.jpg"]
    items = [CaptionedImage(n, None, "train" if k < 4 else "val", "", (("a",),), ("a",)) for k, n in enumerate(names)]
    # the captioner's own features see row 4 as row 0's twin; the calibrated ones see row 5 as row 1's
    own = np.concatenate([base, base[0:1], rng.normal(size=(1, 8, 2, 2)).astype(np.float16)])
    calibrated = np.concatenate([base, rng.normal(size=(1, 8, 2, 2)).astype(np.float16), base[1:2]])
    asked = []

    def reference():
        asked.append(True)
        return calibrated

    union = near_duplicates(own, ("efficientnet_lite0", "head"), items, reference)
    assert sorted(d["photo"] for d in union) == ["1042_e.jpg", "5050_f.jpg"] and asked
    asked.clear()
    assert [d["photo"] for d in near_duplicates(own, BURST_LAYER, items, reference)] == ["1042_e.jpg"]
    assert not asked  # the calibrated layer itself: nothing more to compute
