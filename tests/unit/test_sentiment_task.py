"""The sentiment task without the real data sets: readers on tiny made-up files, step-seeded batches,
accuracy by length, and the evaluate command on a pairs file with a model trained here in seconds."""

import gzip
import json

import numpy as np
import pytest
import torch

from models import evaluate as evaluate_cli
from models import registry, train
from models.data.imdb import read_imdb
from models.data.nsmc import read_nsmc
from models.data.reviews import DataMissingError, Review, holdout
from models.tasks.sentiment import ReviewBatches, accuracy_by_length, read_labelled, sharing_note

POSITIVE = ["a great film", "i loved it", "wonderful acting", "a brilliant story", "great music and a great cast"]
NEGATIVE = ["a terrible film", "i hated it", "awful acting", "a boring story", "bad music and a bad cast"]


def write_nsmc(folder, split, rows, parts=2):
    chunks = np.array_split(np.arange(len(rows)), parts)
    for k, chunk in enumerate(chunks, 1):
        lines = ["id\tdocument\tlabel"] + [f"{i}\t{rows[i][1]}\t{rows[i][0]}" for i in chunk]
        (folder / f"ratings_{split}.part{k}of{parts}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_imdb(folder, split, rows):
    with gzip.open(folder / f"{split}.tsv.gz", "wt", encoding="utf-8") as f:
        f.write("id\trating\tlabel\ttext\n")
        for i, (label, text) in enumerate(rows):
            f.write(f"{split}_{i}\t{9 if label else 2}\t{label}\t{text}\n")


def rows(n=40):
    return [(i % 2, (POSITIVE if i % 2 else NEGATIVE)[(i // 2) % 5] + f" number {i}") for i in range(n)]


def test_nsmc_reader_joins_parts_and_skips_each_header(tmp_path):
    write_nsmc(tmp_path, "train", rows(), parts=4)
    reviews = read_nsmc("train", tmp_path)
    assert len(reviews) == 40 and reviews[0] == Review("0", "a terrible film number 0", 0)
    assert [r.id for r in reviews] == [str(i) for i in range(40)]


def test_imdb_reader_and_a_clear_error_when_the_data_is_missing(tmp_path):
    write_imdb(tmp_path, "test", rows(10))
    reviews = read_imdb("test", tmp_path)
    assert len(reviews) == 10 and reviews[1].label == 1 and reviews[1].text == "a great film number 1"
    with pytest.raises(DataMissingError, match=r"ai\.stanford\.edu"):
        read_imdb("train", tmp_path)
    with pytest.raises(DataMissingError, match="e9t/nsmc"):
        read_nsmc("train", tmp_path / "nowhere")


def test_holdout_is_fixed_by_id_and_disjoint():
    reviews = [Review(str(i), "x", i % 2) for i in range(2000)]
    train_a, val_a = holdout(reviews)
    train_b, val_b = holdout(list(reversed(reviews)))
    assert {r.id for r in val_a} == {r.id for r in val_b}
    assert not {r.id for r in val_a} & {r.id for r in train_a}
    assert 150 < len(val_a) < 250  # about 10 %


def test_batches_are_a_function_of_the_step_and_cover_every_review_once_per_epoch():
    lengths = [3, 9, 1, 4, 4, 7, 2, 8, 5, 6]
    data = ReviewBatches([[5] * n for n in lengths], [n % 2 for n in lengths], batch_size=3, seed=1)
    again = ReviewBatches([[5] * n for n in lengths], [n % 2 for n in lengths], batch_size=3, seed=1)
    seen = []
    for step in range(data.per_epoch):
        ids, labels = data.batch(step)
        assert torch.equal(ids, again.batch(step)[0])
        seen += ((ids != 0).sum(1)).tolist()
    assert sorted(seen) == sorted(lengths)
    assert not torch.equal(data.batch(0)[0], data.batch(data.per_epoch)[0]) or data.per_epoch == 1


def test_accuracy_by_length_cuts_four_equal_groups_shortest_first():
    words = np.array([1, 2, 3, 4, 5, 6, 7, 8])
    correct = np.array([1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    groups = accuracy_by_length(words, correct)
    assert [g["words"] for g in groups] == ["1–2", "3–4", "5–6", "7–8"]
    assert [g["accuracy"] for g in groups] == [1.0, 0.0, 0.5, 1.0]


def test_labelled_file_takes_numbers_or_names(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("# a comment\n1\tgreat\nnegative\tawful\n\n", encoding="utf-8")
    assert [(r.label, r.text) for r in read_labelled(path)] == [(1, "great"), (0, "awful")]
    path.write_text("maybe\tfine\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        read_labelled(path)


def test_evaluate_command_on_a_pairs_file_with_a_model_trained_here(tmp_path, capsys, monkeypatch):
    nsmc = tmp_path / "nsmc"
    nsmc.mkdir()
    write_nsmc(nsmc, "train", rows(200))
    write_nsmc(nsmc, "test", rows(20))
    out = tmp_path / "models"
    card = train.main(
        [
            "classify",
            "--data",
            "nsmc",
            "--data-dir",
            str(nsmc),
            "--vocab",
            "60",
            "--embed",
            "8",
            "--hidden",
            "8",
            "--attention-dim",
            "8",
            "--max-steps",
            "60",
            "--budget",
            "120",
            "--batch",
            "16",
            "--lr",
            "0.01",
            "--eval-every",
            "1000",
            "--explain",
            "4",
            "--out",
            str(out),
            "--name",
            "tiny-sentiment",
            "--quiet",
        ]
    )
    assert card["kind"] == "classifier" and card["task"] == "classify-nsmc"
    assert (out / "tiny-sentiment.spm").is_file()
    assert card["training"]["command"].startswith("python -m models.train classify --data nsmc")
    explanations = card["metrics"]["test"]["explanations"]
    assert explanations["n"] == 4 and set(explanations["erasure_flip_rate"]) == {"attention", "attributions", "random"}
    loaded = registry.load_checkpoint(out / "tiny-sentiment.json", device="cpu")
    assert loaded.model.classify(["a great film"])[0].labels == ["negative", "positive"]

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("1\ta great film\n0\tawful acting\npositive\ti loved it\n", encoding="utf-8")
    capsys.readouterr()
    result = evaluate_cli.main(["--model", str(out / "tiny-sentiment.json"), "--pairs", str(pairs)])
    printed = json.loads(capsys.readouterr().out)
    assert printed["n"] == 3 and printed == result
    assert 0.0 <= printed["accuracy"] <= 1.0
    assert len(printed["misses"]) == printed["miss_count"] == round(3 * (1 - printed["accuracy"]))


def test_the_card_says_whether_the_cores_were_shared():
    assert "shared with other jobs" in sharing_note(1, [4.0, 6.0])
    assert "to itself" in sharing_note(1, [1.0, 1.4]) and "shared" not in sharing_note(1, [1.0, 1.4])
