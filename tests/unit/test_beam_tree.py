"""The beam tree figure: one node per prefix the search weighed, each status drawn, a prefix's attention."""

import numpy as np
import pytest

from app.charts import beam_tree
from models import registry
from models.results import SearchNode, SearchTree

TEXT = "september 27, 1994"


def small_tree() -> SearchTree:
    w = np.array([0.5, 0.5])
    return SearchTree(
        [
            SearchNode(-1, "", 0.0, 0, "root"),
            SearchNode(0, "a", -0.1, 1, "kept", w),
            SearchNode(0, "b", -2.0, 1, "pruned", w),
            SearchNode(1, "c", -0.3, 2, "kept", np.array([1.0, 0.0])),
            SearchNode(3, "<eos>", -0.4, 3, "finished", np.array([0.0, 1.0])),
        ]
    )


def test_layout_puts_each_node_at_its_step_and_rank():
    x, y = beam_tree.layout(small_tree())
    assert list(x) == [0, 1, 1, 2, 3]
    assert list(y) == [0, 0, 1, 0, 0]  # root -> a -> c -> <eos> along the top; "b", less likely, below "a"


def test_figure_draws_every_status_and_the_chosen_path():
    fig = beam_tree.beam_tree(small_tree(), selected=4, status_names={"kept": "K", "pruned": "P"})
    names = {t.name for t in fig.data if t.mode == "markers+text"}
    assert {"K", "P", "finished", "root"} <= names
    texts = [s for t in fig.data if t.mode == "markers+text" for s in t.text]
    assert beam_tree.EOS_SHOWN in texts and "a" in texts
    assert any(t.line.color == beam_tree.PATH_COLOUR for t in fig.data if t.mode == "lines")


def test_a_prefix_has_its_path_weights_as_rows():
    tree = small_tree()
    alignment = beam_tree.prefix_alignment(tree, 4, ["x", "y"])
    assert alignment.target == ["a", "c", beam_tree.EOS_SHOWN]
    np.testing.assert_allclose(alignment.weights, [[0.5, 0.5], [1, 0], [0, 1]])
    assert beam_tree.prefix_alignment(tree, 0, ["x", "y"]) is None  # the root wrote nothing
    assert beam_tree.best_finished(tree, ["a", "c"]) == 4
    assert beam_tree.best_finished(tree, ["a"]) is None


def test_a_real_search_is_drawn_with_its_best_output_highlighted():
    model = registry.load_checkpoint("date-additive", device="cpu").model
    beams = model.decode([TEXT], beam_width=3, with_tree=True)[0]
    tree = beams[0].tree
    best = beam_tree.best_finished(tree, beams[0].target)
    assert best is not None and tree.nodes[best].logprob == pytest.approx(beams[0].score, abs=1e-4)
    prefix = beam_tree.prefix_alignment(tree, best, beams[0].source)
    np.testing.assert_allclose(prefix.weights[:-1], beams[0].weights, atol=1e-5)  # the same search, the same rows
    fig = beam_tree.beam_tree(tree, selected=best)
    drawn = sum(len(t.x) for t in fig.data if t.mode == "markers+text")
    assert drawn == len(tree.nodes)
