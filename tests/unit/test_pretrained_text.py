"""MiniLM (all-MiniLM-L6-v2 from its wheel, through transformers): the maps are the model's own, the seven
steps reproduce them, the measured head patterns find what is known, and nothing loads transformers early."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models import pretrained_text as pt
from models.results import SelfAttention

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = [
    "The cat sat on the mat because it was tired.",
    "Alice gave Bob a book, and he thanked her.",
    "The dog chased the dog next door.",
    "Where did you put the keys? They were on the table!",
    "Unbelievably, the committee approved the proposal unanimously.",
]


@pytest.fixture(scope="module")
def minilm() -> pt.MiniLM:
    import torch

    torch.set_num_threads(1)
    return pt.MiniLM()


def test_the_wheel_holds_the_published_weights():
    folder = pt.model_folder()
    assert pt._sha256(folder / "model.safetensors") == pt.SHA256


def test_a_file_that_is_not_the_published_one_is_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    with pytest.raises(pt.PretrainedTextError, match="sha256"):
        pt.MiniLM(tmp_path)


def test_the_maps_are_transformers_own_and_rows_sum_to_one(minilm):
    import torch

    text = SENTENCES[0]
    result = minilm.self_attention(text)
    enc = minilm.tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        own = minilm.model(**enc, output_attentions=True).attentions
    expected = torch.stack(own)[:, 0].double().numpy()  # (6, 12, T, T)
    assert result.maps.shape == (6, 12, len(result.tokens), len(result.tokens))
    assert result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"
    np.testing.assert_allclose(result.maps, expected, atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.maps.sum(axis=3), 1.0, atol=1e-9)


@pytest.mark.parametrize(("layer", "head", "token"), [(0, 0, 1), (0, 7, 4), (2, 3, 8), (5, 11, 0)])
def test_the_seven_steps_reproduce_the_heads_row(minilm, layer, head, token):
    text = SENTENCES[0]
    steps = minilm.head_steps(text, layer, head, token)
    row = minilm.self_attention(text).maps[layer, head, token]
    np.testing.assert_allclose(steps.weights, row, atol=1e-5, rtol=0)
    np.testing.assert_allclose(steps.scaled, steps.scores / np.sqrt(32), rtol=1e-12)
    np.testing.assert_allclose(steps.output, steps.weights @ steps.values, rtol=1e-12)
    assert steps.d_k == 32 and steps.inputs.shape == (len(steps.tokens), 384) and steps.projected.shape == (384,)
    assert (steps.word is not None) == (layer == 0)


def test_q_k_v_on_request_give_the_maps_back(minilm):
    result = minilm.self_attention(SENTENCES[1], with_vectors=True)
    q, k = result.queries[3, 5], result.keys[3, 5]  # (T, 32)
    s = q @ k.T / np.sqrt(32)
    a = np.exp(s - s.max(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(a, result.maps[3, 5], atol=1e-5)
    assert minilm.self_attention(SENTENCES[1]).queries is None


def test_some_head_looks_at_the_previous_token(minilm):
    patterns = pt.head_patterns([minilm.self_attention(s) for s in SENTENCES])
    layer, head, share = pt.strongest_head(patterns, "previous")
    assert share >= 0.5, (layer, head, share)
    assert set(patterns) == set(pt.PATTERNS)
    for shares in patterns.values():
        assert shares.shape == (6, 12)
        assert np.all((shares[~np.isnan(shares)] >= 0) & (shares[~np.isnan(shares)] <= 1 + 1e-9))


def test_patterns_on_a_hand_made_map():
    tokens = ["[CLS]", "the", "dog", ",", "the", "dog", "[SEP]"]
    T = len(tokens)
    prev = np.zeros((T, T))
    prev[0, 0] = 1
    for i in range(1, T):
        prev[i, i - 1] = 1
    result = SelfAttention(tokens=tokens, maps=prev[None, None], word_ids=[None, 0, 1, 2, 3, 4, None], special=(0, 6))
    patterns = pt.head_patterns(result)
    assert patterns["previous"][0, 0] == pytest.approx(1.0)
    assert patterns["next"][0, 0] == pytest.approx(0.0)
    assert patterns["cls"][0, 0] == pytest.approx(1 / 5)  # only "the" (1) looks at [CLS], of 5 queries
    # the same word: queries 1, 2, 4 and 5 have a twin elsewhere, and each looks at its left neighbour instead
    assert patterns["same_word"][0, 0] == pytest.approx(0.0)
    assert patterns["punctuation"][0, 0] == pytest.approx(1 / 4)  # query 4 looks at ","


def test_a_pair_is_joined_by_sep_with_its_segments(minilm):
    result = minilm.self_attention("How old are you?", pair="What is your age?")
    assert result.tokens.count("[SEP]") == 2
    assert result.segments[0] == 0 and result.segments[-1] == 1
    words = [w for w in result.word_ids if w is not None]
    assert words == sorted(words) and len(set(words)) == len(words)  # numbered across both sentences
    assert minilm.similarity("How old are you?", "What is your age?") > minilm.similarity(
        "How old are you?", "The stock market fell sharply."
    )


def test_bad_inputs_are_named(minilm):
    assert minilm.check_input("   ").kind is pt.ProblemKind.EMPTY
    assert minilm.check_input("?!… 😀").kind is pt.ProblemKind.NO_WORDS
    long = minilm.check_input("word " * 300)
    assert long.kind is pt.ProblemKind.TOO_LONG_PIECES and long.count == 302 and long.limit == 256
    cut = minilm.self_attention("word " * 300)
    assert cut.n_read == 256 and cut.n_total == 302 and cut.truncated
    assert minilm.unknown_words("hello 😀 world") == ["😀"]
    assert minilm.check_input("A fine sentence.") is None


def test_the_date_transformer_encoder_gives_the_same_result_type():
    from models import registry
    from models.protocols import SelfAttentionModel

    model = registry.load_checkpoint("date-transformer").model
    assert isinstance(model, SelfAttentionModel)
    result = model.self_attention("march 5, 1999", with_vectors=True)
    np.testing.assert_allclose(result.maps, model.translate(["march 5, 1999"])[0].encoder_self, atol=1e-6)
    assert result.queries.shape[:3] == result.maps.shape[:3]


def test_transformers_loads_only_when_the_model_is_built():
    code = (
        "import sys, app.services, models.pretrained_text, models.protocols, models.transformer;"
        "import app.services.selfattention, app.charts.self_attention;"
        "import app.pages.transformer.minilm_view, app.pages.transformer.steps_view;"
        "print('transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_the_grid_of_heads_is_one_heatmap_and_pools_long_inputs():
    from app.charts import self_attention as charts

    rng = np.random.default_rng(0)
    for T in (13, 300):
        maps = rng.random((6, 12, T, T))
        maps /= maps.sum(axis=3, keepdims=True)
        fig = charts.head_grid(maps, [f"t{i}" for i in range(T)], selected=(2, 5))
        n = min(T, charts.THUMB_CELLS)
        assert len(fig.data) == 1 and fig.data[0].z.shape == (6 * (n + 1) - 1, 12 * (n + 1) - 1)
        np.testing.assert_allclose(charts.pooled(maps).sum(axis=3), 1.0, atol=1e-12)
    assert charts.pooled(maps).shape[2:] == (charts.THUMB_CELLS, charts.THUMB_CELLS)
