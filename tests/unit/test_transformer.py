"""The Transformer: attention math, the causal mask, padding, and decoding (on a small random model)."""

import math

import numpy as np
import pytest
import torch

from models import decoding
from models.data.dates import alphabet
from models.transformer import Transformer, TransformerConfig, TransformerState, scaled_dot_product_attention
from models.vocab import Vocab


def small() -> Transformer:
    torch.manual_seed(0)
    cfg = TransformerConfig(
        src_vocab=Vocab(alphabet()).tokens,
        tgt_vocab=Vocab(list("0123456789-")).tokens,
        d_model=16,
        heads=2,
        encoder_layers=2,
        decoder_layers=2,
        d_ff=32,
        dropout=0.0,
        max_target_len=11,
    )
    return Transformer(cfg).eval()


def test_scaled_dot_product_attention_matches_a_hand_computation():
    q = torch.tensor([[[[1.0, 0.0, 1.0, 0.0]]]])  # (B=1, H=1, T_q=1, d_k=4)
    k = torch.tensor([[[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]]])
    v = torch.tensor([[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]])
    out, w = scaled_dot_product_attention(q, k, v)
    # scores 2/√4 = 1 and 0 -> softmax (e/(e+1), 1/(e+1))
    a = math.e / (math.e + 1)
    assert w[0, 0, 0].tolist() == pytest.approx([a, 1 - a], abs=1e-6)
    assert out[0, 0, 0].tolist() == pytest.approx(
        [a * 1 + (1 - a) * 5, a * 2 + (1 - a) * 6, a * 3 + (1 - a) * 7, a * 4 + (1 - a) * 8], abs=1e-5
    )


def test_no_decoder_position_attends_to_the_future():
    model = small()
    src = model.src_vocab.batch([list("march 5, 2026")])
    y_in = torch.tensor([[1, 5, 6, 7, 8]])
    _, maps = model(src, y_in)
    upper = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    assert torch.all(maps["decoder_self"][..., upper] == 0)
    # and the future cannot change the past: other later tokens, same logits for the earlier positions
    logits_a, _ = model(src, y_in)
    logits_b, _ = model(src, torch.tensor([[1, 5, 6, 9, 9]]))
    assert torch.allclose(logits_a[:, :3], logits_b[:, :3], atol=1e-6)
    assert not torch.allclose(logits_a[:, 3:], logits_b[:, 3:])


def test_padding_is_never_attended_and_rows_sum_to_one():
    model = small()
    src = model.src_vocab.batch([list("1.2.1999"), list("september 27, 1994")])
    _, maps = model(src, torch.tensor([[1, 5], [1, 6]]))
    n = len("1.2.1999")
    assert torch.all(maps["encoder_self"][:, 0, :, :, n:] == 0)
    assert torch.all(maps["cross"][:, 0, :, :, n:] == 0)
    for m in maps.values():
        assert torch.allclose(m.sum(-1), torch.ones_like(m.sum(-1)), atol=1e-5)


def test_translate_returns_every_map_with_its_shape():
    model = small()
    r = model.translate(["2/10/93"])[0]
    S, T = 7, len(r.output) + 1
    assert r.encoder_self.shape == (2, 2, S, S)
    assert r.decoder_self.shape == (2, 2, T, T)
    assert r.cross.shape == (2, 2, T, S)
    assert r.target[0] == "<sos>" and r.target[1:] == r.output


def test_beam_width_one_equals_greedy_and_decode_rows_are_the_step_weights():
    model = small()
    texts = ["2/10/93", "5 March 2026"]
    greedy = model.decode(texts)
    beams = model.decode(texts, beam_width=1)
    assert [g[0].target for g in greedy] == [b[0].target for b in beams]
    for text, g in zip(texts, greedy, strict=True):
        full = model.translate([text])[0]
        expected = full.cross[-1].mean(0)[: len(full.output)]
        assert np.allclose(g[0].weights, expected, atol=1e-5)


def test_beam_search_scores_are_sorted():
    model = small()
    src = model.src_vocab.batch([list("1969-07-20")])
    memory, key_mask, _ = model.encode(src)
    state = TransformerState(memory=memory, key_mask=key_mask, prefix=src.new_zeros((1, 0)))
    hyps = decoding.beam_search(model.step, state, 1, 1, 2, 11, width=4)[0]
    assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)


def test_attention_rollout_on_a_hand_computed_two_layer_example():
    """Ã = ½(A + I) renormalised, R_1 = Ã_1, R_2 = Ã_2 R_1 (Abnar & Zuidema 2020), worked out by hand."""
    from models.transformer import attention_rollout

    a1 = np.array([[1.0, 0.0], [1.0, 0.0]])  # both positions look at position 0
    a2 = np.array([[0.0, 1.0], [0.0, 1.0]])  # both look at position 1
    rolled = attention_rollout(np.stack([a1, a2]))
    # Ã_1 = [[1, 0], [.5, .5]];  Ã_2 = [[.5, .5], [0, 1]];  R_2 = Ã_2 Ã_1 = [[.75, .25], [.5, .5]]
    np.testing.assert_allclose(rolled[0], [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(rolled[1], [[0.75, 0.25], [0.5, 0.5]])
    np.testing.assert_allclose(rolled.sum(-1), 1.0)


def test_transformer_records_its_beam_tree_and_refuses_an_edit():
    from models import registry
    from models.results import ForcedAttention

    model = registry.load_checkpoint("date-transformer", device="cpu").model
    best = model.decode(["march 5, 2026"], beam_width=2, with_tree=True)[0][0]
    assert best.tree is not None and any(n.status == "finished" for n in best.tree.nodes)
    with pytest.raises(ValueError):
        model.decode(["march 5, 2026"], force=ForcedAttention(0, np.full(13, 1 / 13)))
