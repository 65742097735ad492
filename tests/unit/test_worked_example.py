"""The /math page's numbers against a hand computation, the input checks, and the √d_k experiment."""

import itertools
import math

import numpy as np
import pytest

from models import worked_example as wx

# A tiny example small enough to do on paper: three states of dimension 2, and the decoder state s.
H = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
S = [1.0, 2.0]
PARAMS = wx.Parameters(
    W=np.array([[1.0, 0.0], [2.0, 1.0]]),  # sᵀW = (1·1 + 2·2, 1·0 + 2·1) = (5, 2)
    W_q=np.array([[1.0, 0.0], [0.0, -1.0]]),  # W_q s = (1, -2)
    W_k=np.array([[0.5, 0.0], [0.0, 0.5]]),  # W_k h = h / 2
    v=np.array([1.0, 2.0]),
    W_c=np.array([[0.1, 0.2, 0.3, 0.4], [-0.5, 0.0, 0.5, 1.0]]),
)


def hand_scores(kind: str) -> list[float]:
    """score(s, h_j) written out with plain Python arithmetic."""
    if kind == "dot":
        return [S[0] * h[0] + S[1] * h[1] for h in H]  # 1, 2, 3
    if kind == "scaled_dot":
        return [(S[0] * h[0] + S[1] * h[1]) / math.sqrt(2) for h in H]
    if kind == "general":
        return [5 * h[0] + 2 * h[1] for h in H]  # (sᵀW) · h = 5, 2, 7
    # additive: vᵀ tanh(W_q s + W_k h) = 1·tanh(1 + h₁/2) + 2·tanh(-2 + h₂/2)
    return [math.tanh(1 + h[0] / 2) + 2 * math.tanh(-2 + h[1] / 2) for h in H]


@pytest.mark.parametrize("kind", ["dot", "general", "additive", "scaled_dot"])
def test_every_step_matches_a_hand_computation(kind):
    ex = wx.work(kind, np.array(H), np.array(S), PARAMS)

    e = hand_scores(kind)
    z = sum(math.exp(x) for x in e)
    alpha = [math.exp(x) / z for x in e]
    c = [sum(a * h[i] for a, h in zip(alpha, H, strict=True)) for i in range(2)]
    concat = [*c, *S]
    combined = [sum(w * x for w, x in zip(row, concat, strict=True)) for row in PARAMS.W_c.tolist()]
    h_tilde = [math.tanh(x) for x in combined]

    assert ex.scores.tolist() == pytest.approx(e, abs=1e-6)
    assert ex.weights.tolist() == pytest.approx(alpha, abs=1e-6)
    assert ex.context.tolist() == pytest.approx(c, abs=1e-6)
    assert ex.concat.tolist() == pytest.approx(concat, abs=1e-6)
    assert ex.combined.tolist() == pytest.approx(combined, abs=1e-6)
    assert ex.h_tilde.tolist() == pytest.approx(h_tilde, abs=1e-6)


def test_the_shown_intermediate_vectors_match_a_hand_computation():
    general = wx.work("general", np.array(H), np.array(S), PARAMS)
    assert general.projected_query.tolist() == pytest.approx([5.0, 2.0], abs=1e-9)
    additive = wx.work("additive", np.array(H), np.array(S), PARAMS)
    assert additive.projected_query.tolist() == pytest.approx([1.0, -2.0], abs=1e-9)
    assert additive.projected_keys.ravel().tolist() == pytest.approx([0.5, 0.0, 0.0, 0.5, 0.5, 0.5], abs=1e-9)
    expected = [t for h in H for t in (math.tanh(1 + h[0] / 2), math.tanh(-2 + h[1] / 2))]
    assert additive.hidden.ravel().tolist() == pytest.approx(expected, abs=1e-6)
    # e_j = v · hidden_j, the line the page writes out
    assert additive.scores.tolist() == pytest.approx((additive.hidden @ PARAMS.v).tolist(), abs=1e-9)


def test_the_lecture_example_scores_one_three_two_zero():
    tokens, states, query = wx.default_example("en")
    assert tokens == ["I", "love", "you", "<eos>"]
    assert wx.default_example("ko")[0] == ["나는", "널", "사랑해", "<eos>"]
    ex = wx.work("dot", states, query, wx.default_parameters())
    assert ex.scores.tolist() == [1.0, 3.0, 2.0, 0.0]
    assert int(np.argmax(ex.weights)) == 1  # "love"
    scaled = wx.work("scaled_dot", states, query, wx.default_parameters())
    assert scaled.scores.tolist() == [0.5, 1.5, 1.0, 0.0]  # divided by √4 = 2


def test_default_weights_are_seeded_and_rounded_to_one_decimal():
    a, b = wx.default_parameters(), wx.default_parameters()
    for name in ("W", "W_q", "W_k", "v", "W_c"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
        assert np.allclose(getattr(a, name) * 10, np.round(getattr(a, name) * 10))
    assert a.W.shape == (4, 4) and a.W_q.shape == (3, 4) and a.W_c.shape == (4, 8)


@pytest.mark.parametrize("kind", wx.KINDS)
def test_weights_are_a_distribution_and_the_context_a_convex_combination(kind):
    rng = np.random.default_rng(7)
    for _ in range(20):
        states, query = rng.normal(0, 3, size=(6, 4)), rng.normal(0, 3, size=4)
        ex = wx.work(kind, states, query, wx.default_parameters())
        assert (ex.weights > 0).all()
        assert ex.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert (ex.context >= states.min(axis=0) - 1e-12).all()
        assert (ex.context <= states.max(axis=0) + 1e-12).all()


def test_exp_terms_shift_large_scores_without_changing_the_softmax():
    small, shift = wx.exp_terms(np.array([1.0, 2.0]))
    assert shift == 0 and small.tolist() == pytest.approx([math.e, math.e**2])
    big = np.array([800.0, 799.0, 0.0])
    terms, shift = wx.exp_terms(big)
    assert shift == 800.0 and np.isfinite(terms).all()
    assert (terms / terms.sum()).tolist() == pytest.approx(wx.softmax(big).tolist(), abs=1e-12)


def test_read_numbers_accepts_numbers_and_names_every_bad_cell():
    values, bad = wx.read_numbers([[1, "2.5", -3.0], [0, 1e2, -100]])
    assert bad == [] and values.tolist() == [[1.0, 2.5, -3.0], [0.0, 100.0, -100.0]]
    values, bad = wx.read_numbers([[None, "abc", float("nan")], ["inf", 1e5, True], ["  ", 0, "nan"]])
    assert values is None
    found = {(b.row, b.column): b.problem for b in bad}
    assert found == {
        (0, 0): "missing",
        (0, 1): "not_a_number",
        (0, 2): "missing",  # an emptied cell of a number column reads as NaN
        (1, 0): "not_finite",
        (1, 1): "too_big",
        (1, 2): "not_a_number",
        (2, 0): "missing",
        (2, 2): "not_finite",
    }


def test_unscaled_entropy_falls_with_dk_and_scaled_entropy_stays_flat():
    curve = wx.scaling_curve(n_keys=10)
    assert [p.d_k for p in curve] == list(wx.DK_CHOICES)
    unscaled = [p.entropy_unscaled for p in curve]
    scaled = [p.entropy_scaled for p in curve]
    assert all(a > b for a, b in itertools.pairwise(unscaled)), unscaled
    assert unscaled[-1] < 0.5  # d_k = 512: nearly one-hot
    assert max(scaled) - min(scaled) < 0.2, scaled  # flat
    assert min(scaled) > 2.5  # and soft: uniform over 10 keys is log₂ 10 ≈ 3.32 bits
    assert curve[0].entropy_scaled == pytest.approx(curve[0].entropy_unscaled)  # √1 = 1
    for p in curve:  # Var(qᵀk) = d_k, Var(qᵀk / √d_k) = 1
        assert p.std_unscaled == pytest.approx(math.sqrt(p.d_k), rel=0.15)
        assert p.std_scaled == pytest.approx(1.0, rel=0.15)
        assert p.peak_unscaled >= p.peak_scaled - 1e-9


def test_scaling_example_is_reproducible_and_shows_the_saturation():
    raw, scaled = wx.scaling_example(512)
    assert raw.sum() == pytest.approx(1.0) and scaled.sum() == pytest.approx(1.0)
    assert np.array_equal(raw, wx.scaling_example(512)[0])
    assert raw.max() > scaled.max()


def test_entropy_bits_of_uniform_and_one_hot():
    import torch

    assert float(wx.entropy_bits(torch.full((8,), 1 / 8))) == pytest.approx(3.0)
    assert float(wx.entropy_bits(torch.tensor([0.0, 1.0, 0.0]))) == pytest.approx(0.0)
