"""Greedy and beam search: width 1 equals greedy, beams find better sequences, and no <eos> ends cleanly."""

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from models import decoding
from models.data.dates import alphabet
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from models.vocab import NEVER_WRITTEN, Vocab

BOS, EOS = 1, 2


@dataclass(frozen=True)
class PrefixState(decoding.DecoderState):
    prefix: torch.Tensor  # (N, 4) the last tokens written, -1 before the first


def table_step(table):
    """A step function that reads next-token probabilities from a dict: prefix tuple -> {token: p}."""

    def step(state, prev):
        rows = []
        for r in range(prev.size(0)):
            prefix = tuple(int(x) for x in state.prefix[r] if x >= 0)
            prefix = (*prefix, int(prev[r])) if int(prev[r]) != BOS else prefix
            probs = torch.full((6,), 1e-9)
            for tok, p in table.get(prefix, {5: 1.0}).items():  # unknown prefixes go on, never end
                probs[tok] = p
            rows.append(torch.log(probs / probs.sum()))
        new_prefix = torch.cat([state.prefix[:, 1:], torch.where(prev == BOS, -1, prev)[:, None]], dim=1)
        return torch.stack(rows), PrefixState(new_prefix), {"weights": torch.zeros(prev.size(0), 2)}

    return step


# greedy takes 3 (p=0.6) and then must split; the best whole sequence is 4 4 (0.4 * 1.0)
TABLE = {
    (): {3: 0.6, 4: 0.4},
    (3,): {3: 0.5, 5: 0.5},
    (3, 3): {EOS: 1.0},
    (3, 5): {EOS: 1.0},
    (4,): {4: 1.0},
    (4, 4): {EOS: 1.0},
}


def start():
    return PrefixState(torch.full((1, 4), -1, dtype=torch.long))


def test_beam_search_finds_the_sequence_greedy_misses():
    greedy = decoding.greedy(table_step(TABLE), start(), 1, BOS, EOS, max_len=5)[0]
    assert greedy.tokens == [3, 3] and greedy.finished
    assert greedy.logprob == pytest.approx(math.log(0.3), abs=1e-5)
    beams = decoding.beam_search(table_step(TABLE), start(), 1, BOS, EOS, max_len=5, width=2, length_penalty=0.0)[0]
    assert beams[0].tokens == [4, 4]
    assert beams[0].logprob == pytest.approx(math.log(0.4), abs=1e-5)
    assert beams[0].score >= beams[1].score


def test_length_normalisation_ranks_by_log_probability_per_token():
    table = {(): {EOS: 0.3, 3: 0.7}, (3,): {3: 1.0}, (3, 3): {3: 1.0}, (3, 3, 3): {EOS: 1.0}}
    raw = decoding.beam_search(table_step(table), start(), 1, BOS, EOS, 6, width=2, length_penalty=0.0)[0]
    normalised = decoding.beam_search(table_step(table), start(), 1, BOS, EOS, 6, width=2, length_penalty=1.0)[0]
    assert raw[0].tokens == [3, 3, 3]  # log 0.7 > log 0.3
    assert normalised[0].tokens == [3, 3, 3]
    assert normalised[0].score == pytest.approx(math.log(0.7) / 4, abs=1e-5)
    assert normalised[1].tokens == [] and normalised[1].score == pytest.approx(math.log(0.3), abs=1e-5)


def test_no_end_token_ends_cleanly_with_unfinished_beams():
    table = {(): {3: 1.0}, (3,): {3: 1.0}, (3, 3): {3: 1.0}, (3, 3, 3): {3: 1.0}}
    greedy = decoding.greedy(table_step(table), start(), 1, BOS, EOS, max_len=3)[0]
    assert greedy.tokens == [3, 3, 3] and not greedy.finished
    beams = decoding.beam_search(table_step(table), start(), 1, BOS, EOS, max_len=3, width=3)[0]
    assert beams and not beams[0].finished and beams[0].tokens == [3, 3, 3]
    assert beams[0].extras["weights"].shape == (3, 2)


def small_model(attention: str, cell: str = "gru") -> Seq2Seq:
    torch.manual_seed(0)
    cfg = Seq2SeqConfig(
        src_vocab=Vocab(alphabet()).tokens,
        tgt_vocab=Vocab(list("0123456789-")).tokens,
        embed_dim=8,
        hidden_dim=8,
        attention_dim=8,
        attention=attention,
        cell=cell,
        layers=2,
        max_target_len=11,
    )
    return Seq2Seq(cfg).eval()


@pytest.mark.parametrize("attention", ["additive", "dot", "general", "scaled_dot", "none"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_beam_width_one_equals_greedy(attention, cell):
    model = small_model(attention, cell)
    texts = ["september 27, 1994", "2/10/93", "2026년 3월 5일 목요일"]
    greedy = model.decode(texts, beam_width=1)
    state = model.encode(model.src_vocab.batch([list(t) for t in texts]))
    beams = decoding.beam_search(model.decoder.step, state, 3, BOS, EOS, 11, width=1)
    for g, b in zip(greedy, beams, strict=True):
        assert model.tgt_vocab.decode(b[0].tokens) == g[0].target
        assert b[0].logprob == pytest.approx(g[0].score, abs=1e-5)
        assert np.allclose(b[0].extras["weights"][:, : len(g[0].source)], g[0].weights, atol=1e-5)


@pytest.mark.parametrize("attention", ["additive", "dot", "none"])
def test_batched_decoding_equals_one_at_a_time(attention):
    model = small_model(attention)
    texts = ["5 March 2026", "TUESDAY, SEPTEMBER 25, 1984", "1.2.1903"]
    together = model.decode(texts, beam_width=3)
    for text, batch_result in zip(texts, together, strict=True):
        alone = model.decode([text], beam_width=3)[0]
        assert [a.target for a in alone] == [b.target for b in batch_result]
        assert np.allclose(alone[0].weights, batch_result[0].weights, atol=1e-5)


def test_alignments_have_one_row_per_output_and_one_column_per_input():
    model = small_model("additive")
    result = model.decode(["1999-12-31"], beam_width=4)[0]
    assert 1 <= len(result) <= 4
    for a in result:
        assert a.weights.shape == (len(a.target), 10)
        assert np.allclose(a.weights.sum(1), 1.0, atol=1e-5)


def test_teacher_forced_weights_equal_step_by_step_weights():
    """The parallel (Luong, baseline) and looped (Bahdanau) training paths agree with one-step decoding."""
    for attention in ("additive", "general", "none"):
        model = small_model(attention)
        src = model.src_vocab.batch([list("march 5, 2026")])
        y_in = torch.tensor([[BOS, 5, 3, 4]])
        logits, weights = model(src, y_in)
        state = model.encode(src)
        for t in range(4):
            log_probs, state, extras = model.decoder.step(state, y_in[:, t])
            expected = logits[:, t].clone()
            expected[:, NEVER_WRITTEN] = float("-inf")
            assert torch.allclose(log_probs, torch.log_softmax(expected, -1), atol=1e-5)
            assert torch.allclose(extras["weights"], weights[:, t], atol=1e-6)
