"""The result types check their shapes and that each attention map is a distribution."""

import numpy as np
import pytest
from PIL import Image

from models.results import Alignment, TransformerAttention, VisualAttention


def test_alignment_accepts_rows_that_sum_to_one():
    w = np.array([[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]], dtype=np.float32)
    a = Alignment(source=["a", "b"], target=["x", "y", "z"], weights=w, score=-1.0)
    assert a.weights.shape == (3, 2)


def test_alignment_rejects_wrong_shape_and_bad_rows():
    with pytest.raises(ValueError, match=r"expected shape \(1, 2\)"):
        Alignment(source=["a", "b"], target=["x"], weights=np.ones((2, 1)) / 1, score=0.0)
    with pytest.raises(ValueError, match="sum to 1"):
        Alignment(source=["a", "b"], target=["x"], weights=np.array([[0.6, 0.6]]), score=0.0)
    with pytest.raises(ValueError, match="NaN"):
        Alignment(source=["a", "b"], target=["x"], weights=np.array([[np.nan, 1.0]]), score=0.0)


def test_visual_attention_checks_maps_and_gates():
    maps = np.full((2, 3, 3), 1 / 9)
    img = Image.new("RGB", (8, 8))
    v = VisualAttention(words=["a", "b"], weights=maps, image=img, gates=np.array([0.5, 0.9]), score=-2.0)
    assert v.weights.shape == (2, 3, 3)
    with pytest.raises(ValueError, match="gates"):
        VisualAttention(words=["a", "b"], weights=maps, image=img, gates=np.array([0.5]), score=0.0)
    with pytest.raises(ValueError, match="sum to 1"):
        VisualAttention(words=["a", "b"], weights=maps * 2, image=img, gates=None, score=0.0)


def test_transformer_attention_checks_every_kind():
    s, t = 3, 2
    enc = np.full((2, 4, s, s), 1 / s)
    dec = np.tril(np.ones((t, t)))
    dec = np.broadcast_to(dec / dec.sum(-1, keepdims=True), (2, 4, t, t))
    cross = np.full((2, 4, t, s), 1 / s)
    r = TransformerAttention(["a", "b", "c"], ["<s>", "x"], ["x"], enc, dec, cross, score=0.0)
    assert r.cross.shape == (2, 4, 2, 3)
    with pytest.raises(ValueError, match="cross"):
        TransformerAttention(["a", "b", "c"], ["<s>", "x"], ["x"], enc, dec, cross[..., :2], score=0.0)
