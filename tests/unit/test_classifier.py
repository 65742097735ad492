"""The sentiment classifier's parts against hand computations: attention pooling with masking, the
reversed backward reading, Kendall's τ_b, Integrated Gradients' completeness, the permutation test."""

import math

import numpy as np
import pytest
import torch

from models.classifier import (
    AttentionPooling,
    Classifier,
    ClassifierConfig,
    kendall_tau_b,
    normalize,
    reverse_padded,
    word_ids,
)
from models.results import Classification, InputCheck, ProblemKind
from models.tokenizers import train_sentencepiece
from models.vocab import Vocab

REVIEWS = [
    "a great film with a great cast",
    "a terrible film, boring and bad",
    "i loved the music and the story",
    "i hated the story and the acting",
    "wonderful acting and a wonderful ending",
    "awful acting and an awful ending",
]


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spm")
    train_sentencepiece(REVIEWS * 5, folder / "tiny.spm", 60)
    return folder


def tiny(folder, attention="additive", **changes) -> Classifier:
    from models.tokenizers import PieceTokenizer

    vocab = Vocab(PieceTokenizer(folder / "tiny.spm").vocabulary()).tokens
    torch.manual_seed(0)
    cfg = ClassifierConfig(
        vocab=vocab, tokenizer="tiny.spm", embed_dim=8, hidden_dim=6, attention=attention, attention_dim=5, **changes
    )
    return Classifier(cfg, base_dir=folder).eval()


def test_additive_pooling_matches_a_hand_computation_and_ignores_padding():
    torch.manual_seed(0)
    pool = AttentionPooling("additive", state_dim=2, attention_dim=2)
    att = pool.attention
    with torch.no_grad():
        att.W_q.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))  # W₂
        att.W_k.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, -1.0]]))  # W₁
        att.W_k.bias.zero_()
        att.v.weight.copy_(torch.tensor([[1.0, 2.0]]))
        pool.query.copy_(torch.tensor([0.5, 0.0]))
    states = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]]])  # the third position is padding
    mask = torch.tensor([[True, True, False]])
    context, weights = pool(states, mask)
    # e_t = vᵀ tanh(W₁ h_t + W₂ q): h_1 -> tanh(1.5, 0) -> tanh(1.5); h_2 -> tanh(0.5, -1) -> tanh(.5) + 2 tanh(-1)
    e1, e2 = math.tanh(1.5), math.tanh(0.5) + 2 * math.tanh(-1.0)
    a1 = math.exp(e1) / (math.exp(e1) + math.exp(e2))
    assert weights[0].tolist() == pytest.approx([a1, 1 - a1, 0.0], abs=1e-6)
    assert context[0].tolist() == pytest.approx([a1, 1 - a1], abs=1e-6)  # Σ α_t h_t; h_3 is never added
    assert pool.scores(states)[0, :2].tolist() == pytest.approx([e1, e2], abs=1e-6)


def test_scaled_dot_pooling_uses_the_learned_query_over_root_d():
    pool = AttentionPooling("scaled_dot", state_dim=4, attention_dim=3)
    with torch.no_grad():
        pool.query.copy_(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    states = torch.tensor([[[1.0, 0, 0, 0], [0.0, 1, 0, 0]]])
    _, weights = pool(states, torch.tensor([[True, True]]))
    a1 = math.exp(1.0) / (math.exp(1.0) + 1.0)  # scores 2/√4 = 1 and 0
    assert weights[0].tolist() == pytest.approx([a1, 1 - a1], abs=1e-6)


def test_reverse_padded_reverses_each_row_within_its_length():
    x = torch.arange(8.0).reshape(2, 4, 1)
    out = reverse_padded(x, torch.tensor([4, 2]))
    assert out[..., 0].tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]  # row 2: its two tokens swapped, padding kept
    assert torch.equal(reverse_padded(out, torch.tensor([4, 2])), x)


@pytest.mark.parametrize("attention", ["additive", "scaled_dot", "none"])
def test_padding_never_changes_a_review_s_result(tokenizer_file, attention):
    model = tiny(tokenizer_file, attention)
    alone = model.classify(["a great film"])[0]
    beside_a_longer_one = model.classify(["a great film", REVIEWS[4] + " " + REVIEWS[5]])[0]
    assert beside_a_longer_one.probs == pytest.approx(alone.probs, abs=1e-6)
    if attention != "none":
        assert beside_a_longer_one.weights == pytest.approx(alone.weights, abs=1e-6)


def test_the_baseline_pools_the_last_state_of_each_direction(tokenizer_file):
    model = tiny(tokenizer_file, "none")
    ids = model.ids(["a great film", "a terrible film, boring and bad"])  # (2, T), the first one padded
    mask = ids != 0
    with torch.no_grad():
        states = model.encode(model.embed(ids), mask)
        last = model.last_states(states, mask)
        one = model.embed(ids[:1, : int(mask[0].sum())])  # the first review alone, no padding
        forward_alone, _ = model.rnns[0].forward_rnn(one)
        backward_alone, _ = model.rnns[0].backward_rnn(one.flip(1))
    assert last[0, :6].tolist() == pytest.approx(forward_alone[0, -1].tolist(), abs=1e-6)
    assert last[0, 6:].tolist() == pytest.approx(backward_alone[0, -1].tolist(), abs=1e-6)


def test_kendall_tau_b_matches_hand_counts_with_and_without_ties():
    assert kendall_tau_b(np.array([1, 2, 3]), np.array([1, 3, 2])) == pytest.approx(1 / 3)  # 2 concordant, 1 not
    assert kendall_tau_b(np.array([1, 2, 3, 4]), np.array([4, 3, 2, 1])) == pytest.approx(-1.0)
    # ties: x has one tied pair -> 2 untied pairs in x, 3 in y; both untied pairs concordant: 2 / √(2·3)
    assert kendall_tau_b(np.array([1, 1, 2]), np.array([1, 2, 3])) == pytest.approx(2 / math.sqrt(6))
    assert math.isnan(kendall_tau_b(np.array([1, 1, 1]), np.array([1, 2, 3])))


def test_integrated_gradients_add_up_to_the_change_in_probability(tokenizer_file):
    model = tiny(tokenizer_file, "additive")
    ids = model.ids(["a great film with a great cast", "awful acting"])
    target = torch.tensor([1, 0])
    attributions, gap = model.integrated_gradients(ids, target, steps=64)
    mask = ids != 0
    with torch.no_grad():
        embedded = model.embed(ids)
        p_x = torch.softmax(model.forward_embedded(embedded, mask), -1)[[0, 1], target]
        p_0 = torch.softmax(model.forward_embedded(torch.zeros_like(embedded), mask), -1)[[0, 1], target]
    assert attributions.sum(1).tolist() == pytest.approx((p_x - p_0).tolist(), abs=1e-3)  # completeness
    assert gap.abs().max() < 1e-3
    assert (attributions[~mask] == 0).all()


def test_classify_returns_words_weights_and_attributions(tokenizer_file):
    model = tiny(tokenizer_file, "additive")
    result = model.classify(["I loved the music!"], attributions=True)[0]
    assert isinstance(result, Classification)
    assert result.text == "I loved the music!"
    assert len(result.tokens) == len(result.word_ids) == result.n_read == result.n_total
    assert result.words[:3] == ["I", "loved", "the"]
    assert result.weights.sum() == pytest.approx(1.0)
    assert result.per_word(result.weights).sum() == pytest.approx(1.0)
    assert result.label in ("negative", "positive") and result.labels == ["negative", "positive"]
    assert result.attributions.shape == (len(result.tokens),)
    assert tiny(tokenizer_file, "none").classify(["I loved the music!"])[0].weights is None


def test_a_long_review_is_read_head_and_tail_and_says_how_much(tokenizer_file):
    model = tiny(tokenizer_file, "additive", max_pieces=12, head_pieces=4)
    text = " ".join(REVIEWS)
    result = model.classify([text])[0]
    assert result.truncated and result.n_read == 12 and result.n_total == len(model.tokenize(text))
    assert result.gap == 4
    pieces = model.tokenize(text)
    assert model.read(text)[0] == pieces[:4] + pieces[-8:]
    assert result.word_ids[4] == result.word_ids[3] + 1  # the tail starts a new word


def test_permutation_test_shuffles_only_the_real_tokens(tokenizer_file):
    model = tiny(tokenizer_file, "additive")
    ids = model.ids(["a", "a great film with a great cast"])
    assert int((ids[0] != 0).sum()) == 1  # one piece, then padding
    label, p, permuted = model.permuted_probabilities(ids, 20, torch.Generator().manual_seed(0))
    assert permuted.shape == (2, 20) and label.shape == p.shape == (2,)
    # one real token keeps α = (1, 0, 0, ...) under every shuffle: padding never receives weight
    assert permuted[0].tolist() == pytest.approx([float(p[0])] * 20, abs=1e-6)
    single = model.permutation_test("a great film with a great cast", n=10)
    assert single.permuted.shape == (10,) and single.p == pytest.approx(float(p[1]), abs=1e-6)
    assert 0 <= single.flip_rate <= 1 and single.median_change >= 0
    with pytest.raises(ValueError, match="baseline"):
        tiny(tokenizer_file, "none").permutation_test("great")


def test_erasure_names_a_word_for_each_choice(tokenizer_file):
    attention = tiny(tokenizer_file, "additive").erasure("a great film with a great cast")
    assert [e.chosen_by for e in attention] == ["attention", "attributions", "random"]
    assert all(e.word in {"a", "great", "film", "with", "cast"} for e in attention)
    baseline = tiny(tokenizer_file, "none").erasure("a great film with a great cast")
    assert [e.chosen_by for e in baseline] == ["attributions", "random"]


def test_input_checks_return_kinds(tokenizer_file):
    model = tiny(tokenizer_file, "additive")
    assert model.check_input("   ") == InputCheck(ProblemKind.EMPTY)
    assert model.check_input("x" * 60_000).kind is ProblemKind.TOO_LONG
    assert model.check_input("a great film") is None
    assert model.check_input("a great film 😀").kind is ProblemKind.UNCOVERED


def test_normalize_and_word_ids():
    assert normalize("Great<br /><br />film!  Really.", lowercase=True) == "great film! really."
    assert word_ids(["▁a", "▁gre", "at", "▁film"]) == [0, 1, 1, 2]
    assert word_ids(["at", "▁film"]) == [0, 1]


def test_a_classification_checks_its_shapes():
    with pytest.raises(ValueError, match="weights"):
        Classification(["a"], [0], ["a"], ["n", "p"], np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="sum to 1"):
        Classification(["a", "b"], [0, 1], ["a", "b"], ["n", "p"], np.array([0.5, 0.5]), np.array([0.5, 0.6]))
