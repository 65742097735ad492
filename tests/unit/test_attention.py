"""The attention math against numbers computed by hand, and masking."""

import math

import numpy as np
import pytest
import torch

from models.attention import Attention, attend, dot_scores, masked_softmax, scaled_dot_scores


def test_dot_scores_softmax_and_context_match_a_hand_computation():
    # one query, three keys (the notes' small example): q = (1, 0), h1 = (1, 0), h2 = (0, 1), h3 = (1, 1)
    q = torch.tensor([[[1.0, 0.0]]])  # (B=1, T=1, D=2)
    h = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # (1, 3, 2)
    e = dot_scores(q, h)
    assert e.tolist() == [[[1.0, 0.0, 1.0]]]
    context, weights = attend(e, h, mask=None)
    z = 2 * math.e + 1
    expected = [math.e / z, 1 / z, math.e / z]
    assert weights[0, 0].tolist() == pytest.approx(expected, abs=1e-6)
    # context = Σ α_j h_j = (α1 + α3, α2 + α3)
    assert context[0, 0].tolist() == pytest.approx([2 * math.e / z, (1 + math.e) / z], abs=1e-6)


def test_scaled_dot_divides_by_root_d():
    q = torch.tensor([[[2.0, 2.0, 2.0, 2.0]]])
    h = torch.tensor([[[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    assert scaled_dot_scores(q, h).tolist() == [[[4.0, 0.0]]]  # 8 / √4


def test_general_score_is_q_transpose_w_h():
    att = Attention("general", query_dim=2, key_dim=3)
    with torch.no_grad():
        att.W.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))  # maps q (2) -> key space (3)
    q = torch.tensor([[[1.0, 2.0]]])  # W q = (1, 4, 3)
    h = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]])
    assert att.scores(q, h).tolist() == [[[1.0, 7.0]]]


def test_additive_score_is_v_tanh_wq_plus_wk():
    att = Attention("additive", query_dim=1, key_dim=1, attention_dim=2)
    with torch.no_grad():
        att.W_q.weight.copy_(torch.tensor([[1.0], [-1.0]]))
        att.W_k.weight.copy_(torch.tensor([[2.0], [1.0]]))
        att.W_k.bias.zero_()
        att.v.weight.copy_(torch.tensor([[1.0, 3.0]]))
    q = torch.tensor([[[0.5]]])
    h = torch.tensor([[[1.0], [-1.0]]])
    # h=1: tanh(0.5 + 2) + 3 tanh(-0.5 + 1);  h=-1: tanh(0.5 - 2) + 3 tanh(-0.5 - 1)
    expected = [math.tanh(2.5) + 3 * math.tanh(0.5), math.tanh(-1.5) + 3 * math.tanh(-1.5)]
    assert att.scores(q, h)[0, 0].tolist() == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("kind", ["additive", "dot", "general", "scaled_dot"])
def test_padding_gets_zero_weight_and_rows_sum_to_one(kind):
    torch.manual_seed(0)
    att = Attention(kind, query_dim=4, key_dim=4, attention_dim=5)
    q, h = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    context, weights = att(q, h, mask)
    assert weights.shape == (2, 3, 5) and context.shape == (2, 3, 4)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3))
    assert torch.all(weights[1, :, 2:] == 0)
    # the padded keys do not change the result: same as attending over the first two keys only
    c2, w2 = att(q[1:], h[1:, :2], None)
    assert torch.allclose(weights[1, :, :2], w2[0], atol=1e-6)
    assert torch.allclose(context[1], c2[0], atol=1e-6)


def test_masked_softmax_of_equal_scores_is_uniform_over_real_positions():
    w = masked_softmax(torch.zeros(1, 4), torch.tensor([[True, True, True, False]]))
    assert w[0].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0.0])


def test_dot_score_needs_equal_sizes():
    with pytest.raises(ValueError, match="query_dim == key_dim"):
        Attention("dot", query_dim=3, key_dim=4)
    with pytest.raises(ValueError, match="unknown score"):
        Attention("cosine", 3, 3)


def test_location_aware_attention_sees_where_it_looked_before():
    """The location term changes the scores when the previous weights move, and nothing else does."""
    torch.manual_seed(0)
    att = Attention("additive", 6, 6, attention_dim=5, location_kernel=3)
    q, h = torch.randn(1, 1, 6), torch.randn(1, 4, 6)
    first = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    last = torch.tensor([[0.0, 0.0, 0.0, 1.0]])
    a = att.scores(q, h, previous=first)
    b = att.scores(q, h, prepared=att.prepare(h), previous=last)
    assert a.shape == b.shape == (1, 1, 4)
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError):
        Attention("dot", 6, 6, location_kernel=3)


def test_location_aware_seq2seq_explains_its_own_heatmap_rows():
    from models.seq2seq import Seq2Seq, Seq2SeqConfig

    torch.manual_seed(0)
    tokens = ["<pad>", "<sos>", "<eos>", "<unk>", *"abcdef"]
    cfg = Seq2SeqConfig(tokens, tokens, embed_dim=8, hidden_dim=8, attention_dim=8, location_kernel=3, max_target_len=6)
    model = Seq2Seq(cfg).eval()
    greedy = model.decode(["abcd", "fedcba"])
    assert [g[0].text for g in greedy] == [b[0].text for b in model.decode(["abcd", "fedcba"], beam_width=1)]
    steps = model.explain("abcd")
    rows = greedy[0][0].weights[: len(steps)]
    assert np.allclose(np.stack([s.weights for s in steps]), rows, atol=1e-6)
    softmax = np.exp(steps[1].scores) / np.exp(steps[1].scores).sum()
    assert np.allclose(softmax, steps[1].weights, atol=1e-6)
