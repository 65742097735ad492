"""The Neural Turing Machine's addressing (Graves et al. 2014, eqs. 2–9) against numbers computed by hand,
its trace, the copy task's data and a few training steps."""

import argparse
import math

import numpy as np
import pytest
import torch

from models.data.bits import PatternError, copy_batch, copy_inputs, parse_pattern, random_pattern
from models.ntm import (
    NTM,
    CopyLSTM,
    MemoryConfig,
    build,
    circular_shift,
    content_weighting,
    erase_and_add,
    interpolate,
    sharpen,
)
from models.results import ForcedRead, MemoryTrace
from models.tasks.ntm import copy_loss, curriculum_length


def small(**kw) -> MemoryConfig:
    return MemoryConfig(**{"memory_rows": 12, "memory_width": 6, "controller_dim": 16, "max_length": 10, **kw})


# ----------------------------------------------------------------------------- eqs. 5–9 by hand


def test_content_weighting_is_a_softmax_of_beta_times_cosine():
    memory = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]]])  # (B=1, N=3, M=2)
    key = torch.tensor([[2.0, 0.0]])  # cosine with the rows: 1, 0, 1/√2
    beta = torch.tensor([[2.0]])
    w = content_weighting(key, beta, memory)[0]
    e = [math.exp(2 * 1.0), math.exp(0.0), math.exp(2 / math.sqrt(2))]
    assert w.tolist() == pytest.approx([v / sum(e) for v in e], abs=1e-6)


def test_content_weighting_with_beta_zero_is_uniform():
    memory = torch.randn(2, 5, 4)
    w = content_weighting(torch.randn(2, 4), torch.zeros(2, 1), memory)
    assert torch.allclose(w, torch.full((2, 5), 0.2))


def test_interpolation_mixes_content_and_the_last_weighting():
    content = torch.tensor([[1.0, 0.0, 0.0]])
    previous = torch.tensor([[0.0, 0.0, 1.0]])
    assert interpolate(content, torch.tensor([[0.25]]), previous)[0].tolist() == [0.25, 0.0, 0.75]


def test_circular_shift_moves_and_wraps_around():
    w = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    forward = circular_shift(w, torch.tensor([[0.0, 0.0, 1.0]]))  # all weight on +1
    assert forward[0].tolist() == pytest.approx([0.4, 0.1, 0.2, 0.3])  # the last row wraps to the first
    back = circular_shift(w, torch.tensor([[1.0, 0.0, 0.0]]))  # −1
    assert back[0].tolist() == pytest.approx([0.2, 0.3, 0.4, 0.1])
    # a blur: w̃(i) = Σ_j w(j) s(i − j) with s(−1) = 0.5, s(0) = 0.25, s(+1) = 0.25
    blurred = circular_shift(w, torch.tensor([[0.5, 0.25, 0.25]]))[0]
    by_hand = [0.5 * w[0, (i + 1) % 4] + 0.25 * w[0, i] + 0.25 * w[0, (i - 1) % 4] for i in range(4)]
    assert blurred.tolist() == pytest.approx([float(v) for v in by_hand], abs=1e-6)


def test_sharpening_raises_to_gamma_and_renormalises():
    w = torch.tensor([[0.5, 0.25, 0.25]])
    sharp = sharpen(w, torch.tensor([[2.0]]))[0]  # 0.25, 0.0625, 0.0625 over 0.375
    assert sharp.tolist() == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=1e-6)
    assert sharpen(w, torch.tensor([[1.0]]))[0].tolist() == pytest.approx([0.5, 0.25, 0.25], abs=1e-6)


def test_memory_update_is_erase_then_add_done_by_hand():
    memory = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])  # (1, N=2, M=2)
    w = torch.tensor([[0.75, 0.25]])
    erase, add = torch.tensor([[1.0, 0.5]]), torch.tensor([[10.0, -2.0]])
    new = erase_and_add(memory, w, erase, add)[0]
    by_hand = [
        [1.0 * (1 - 0.75 * 1.0) + 0.75 * 10.0, 2.0 * (1 - 0.75 * 0.5) + 0.75 * -2.0],
        [3.0 * (1 - 0.25 * 1.0) + 0.25 * 10.0, 4.0 * (1 - 0.25 * 0.5) + 0.25 * -2.0],
    ]
    assert np.allclose(new.numpy(), np.array(by_hand))


# ----------------------------------------------------------------------------- the machine and its trace


def test_trace_returns_every_weighting_and_each_sums_to_one():
    torch.manual_seed(0)
    model = NTM(small()).eval()
    pattern = random_pattern(5, seed=1)
    trace = model.trace(pattern)
    assert isinstance(trace, MemoryTrace) and trace.has_memory
    T, N, M = 11, 12, 6
    for head in (trace.read, trace.write):
        for name in ("content", "gated", "shifted", "weights"):
            value = getattr(head, name)
            assert value.shape == (T, N)
            assert np.allclose(value.sum(1), 1.0) and (value >= 0).all()
        assert head.shift.shape == (T, 3) and np.allclose(head.shift.sum(1), 1.0)
        assert (head.beta >= 0).all() and ((head.gate > 0) & (head.gate < 1)).all() and (head.gamma >= 1).all()
    assert trace.write.erase.shape == (T, M) and trace.write.add.shape == (T, M) and trace.read.erase is None
    assert trace.memory.shape == (T + 1, N, M) and np.allclose(trace.memory[0], 1e-6)
    assert trace.probs.shape == pattern.shape and trace.target.tolist() == pattern.tolist()


def test_trace_memory_and_reads_follow_the_equations():
    torch.manual_seed(1)
    trace = NTM(small()).eval().trace(random_pattern(3, seed=2))
    for t in range(trace.steps):
        w, e, a = trace.write.weights[t], trace.write.erase[t], trace.write.add[t]
        expected = trace.memory[t] * (1 - np.outer(w, e)) + np.outer(w, a)
        assert np.allclose(trace.memory[t + 1], expected, atol=1e-5)
        assert np.allclose(trace.read_vectors[t], trace.read.weights[t] @ trace.memory[t], atol=1e-5)  # read first


def test_trace_matches_forward():
    torch.manual_seed(2)
    model = NTM(small()).eval()
    pattern = random_pattern(4, seed=3)
    x = copy_inputs(torch.tensor(pattern, dtype=torch.float32)[None])
    probs = torch.sigmoid(model(x)[0, 5:]).detach().numpy()
    assert np.allclose(model.trace(pattern).probs, probs, atol=1e-6)


def test_forcing_the_read_head_reads_that_row_and_changes_what_follows():
    torch.manual_seed(3)
    model = NTM(small()).eval()
    pattern = random_pattern(4, seed=4)
    plain = model.trace(pattern)
    forced = model.trace(pattern, ForcedRead(step=6, row=7))
    assert forced.read.weights[6].argmax() == 7 and forced.read.weights[6].max() == 1.0
    assert np.allclose(forced.read.weights[:6], plain.read.weights[:6])  # the steps before ran as they did
    assert np.allclose(forced.read_vectors[6], forced.memory[6][7], atol=1e-6)  # row 7 before step 6's write
    assert not np.allclose(forced.probs, plain.probs)
    with pytest.raises(ValueError):
        model.trace(pattern, ForcedRead(step=99, row=0))


def test_lstm_baseline_has_no_heads_and_cannot_be_forced():
    model = CopyLSTM(small(architecture="lstm")).eval()
    trace = model.trace(random_pattern(3, seed=0))
    assert not trace.has_memory and trace.memory is None and trace.probs.shape == (3, 8)
    with pytest.raises(ValueError):
        model.trace(random_pattern(3, seed=0), ForcedRead(0, 0))


def test_build_rebuilds_either_architecture_from_a_card():
    assert isinstance(build({"config": {"architecture": "ntm", "memory_rows": 64}}), NTM)
    assert isinstance(build({"config": {"architecture": "lstm"}}), CopyLSTM)
    with pytest.raises(ValueError):
        MemoryConfig(architecture="gru")
    with pytest.raises(ValueError):
        MemoryConfig(memory_rows=16, max_length=60)  # a pattern must fit in memory


def test_trace_rejects_a_pattern_that_is_not_bits():
    with pytest.raises(ValueError):
        NTM(small()).trace(np.full((3, 8), 2))
    with pytest.raises(ValueError):
        NTM(small()).trace(np.zeros((3, 7)))


# ----------------------------------------------------------------------------- data and training


def test_copy_inputs_put_the_delimiter_after_the_pattern():
    x, y = copy_batch(2, 3, torch.Generator().manual_seed(0))
    assert x.shape == (2, 7, 9) and y.shape == (2, 3, 8)
    assert torch.equal(x[:, :3, :8], y) and (x[:, :3, 8] == 0).all()
    assert (x[:, 3, :8] == 0).all() and (x[:, 3, 8] == 1).all() and (x[:, 4:] == 0).all()


def test_parse_pattern_reads_rows_and_says_what_is_wrong():
    assert parse_pattern("10110010 01100111", 60).tolist() == [[1, 0, 1, 1, 0, 0, 1, 0], [0, 1, 1, 0, 0, 1, 1, 1]]
    assert parse_pattern("10110010,\n01100111", 60).shape == (2, 8)
    for text, code in (("", "empty"), ("   ", "empty"), ("1011001a", "not_bits"), ("101", "row_width")):
        with pytest.raises(PatternError) as err:
            parse_pattern(text, 60)
        assert err.value.code == code
    with pytest.raises(PatternError) as err:
        parse_pattern(" ".join(["10101010"] * 5), 4)
    assert err.value.code == "too_long" and err.value.limit == 4


def test_curriculum_grows_to_the_longest_training_length():
    args = argparse.Namespace(curriculum_start=4, max_len=20, curriculum_steps=100)
    assert curriculum_length(0, args) == 4
    assert curriculum_length(50, args) == 12
    assert curriculum_length(100, args) == curriculum_length(10_000, args) == 20


def test_a_tiny_ntm_trained_a_few_steps_lowers_its_loss():
    torch.manual_seed(0)
    model = NTM(small())
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    fixed = copy_batch(8, 3, g)
    before = float(copy_loss(model, fixed)[0])
    for _ in range(40):
        loss, _ = copy_loss(model, fixed)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10)
        optimizer.step()
    assert float(copy_loss(model, fixed)[0]) < before - 0.05


def test_gate_and_sharpening_biases_set_where_the_heads_start():
    torch.manual_seed(0)
    trace = NTM(small(gate_bias=-4.0, sharpen_bias=3.0)).eval().trace(random_pattern(4, seed=0))
    for head in (trace.read, trace.write):
        assert head.gate.mean() < 0.1  # σ(−4) ≈ 0.02: the last weighting is kept
        assert head.gamma.mean() > 3.0  # 1 + softplus(3) ≈ 4.05
    walking = NTM(small(write_shift_bias=3.0)).eval().trace(random_pattern(4, seed=0))
    assert walking.write.shift[:, 2].mean() > 0.7  # s(+1): the write head starts out moving on by a row
    assert walking.read.shift[:, 2].mean() < 0.5  # the read head has no such habit
