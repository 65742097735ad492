"""The services behind acting on attention: forced decoding, the search tree and rollout, cached as copies."""

import numpy as np
import pytest

from app import services
from app.logic import whatif

TEXT = "september 27, 1994"


def test_a_forced_step_changes_the_output_from_that_step_on():
    original = services.decode_text("date-additive", TEXT)[0]
    edited = services.decode_forced("date-additive", TEXT, 8, whatif.one_hot(len(TEXT), 14))
    assert edited.text == "1994-09-17"
    np.testing.assert_allclose(edited.weights[:8], original.weights[:8], atol=1e-6)
    assert edited.weights[8, 14] == pytest.approx(1.0)


def test_a_cached_forced_decode_is_a_copy():
    first = services.decode_forced("date-additive", TEXT, 8, whatif.one_hot(len(TEXT), 14))
    first.weights[:] = 0.0
    again = services.decode_forced("date-additive", TEXT, 8, whatif.one_hot(len(TEXT), 14))
    assert again.weights.sum(axis=1) == pytest.approx(1.0, abs=1e-4)


def test_the_baseline_refuses_an_edit():
    with pytest.raises(ValueError, match="no attention"):
        services.decode_forced("date-none", TEXT, 0, whatif.one_hot(len(TEXT), 0))


def test_the_tree_comes_with_the_same_beams():
    plain = services.decode_text("date-additive", TEXT, 4)
    searched = services.search_text("date-additive", TEXT, 4)
    assert [b.text for b in searched] == [b.text for b in plain]
    assert searched[0].tree is not None and plain[0].tree is None


def test_rollout_rows_are_distributions_per_layer():
    rolled = services.encoder_rollout("date-transformer", TEXT)
    maps = services.transformer_maps("date-transformer", TEXT)
    assert rolled.shape == (maps.encoder_self.shape[0], len(maps.source), len(maps.source))
    np.testing.assert_allclose(rolled.sum(axis=-1), 1.0, atol=1e-9)
