"""What-if decoding: forcing one step's attention, and the beam search recorded as a tree."""

import numpy as np
import pytest
import torch

from models import registry
from models.results import ForcedAttention

TEXT = "march 5, 2026"


@pytest.fixture(scope="module")
def model():
    return registry.load_checkpoint("date-additive", device="cpu").model


@pytest.mark.parametrize("step", [0, 3, 9])
def test_forcing_the_weights_the_model_chose_reproduces_the_output(model, step):
    original = model.decode([TEXT])[0][0]
    again = model.decode([TEXT], force=ForcedAttention(step, original.weights[step]))[0][0]
    assert again.text == original.text
    np.testing.assert_allclose(again.weights, original.weights, atol=1e-5)


def test_forcing_a_one_hot_makes_the_context_exactly_that_encoder_state(model):
    src = model.src_vocab.batch([model.tokenize(TEXT)])
    state = model.encode(src)
    j = TEXT.index("5")
    one_hot = torch.zeros(1, src.size(1))
    one_hot[0, j] = 1.0
    forced = state.__class__(**{**state.__dict__, "forced": one_hot, "forced_step": 0})
    context, weights = model.decoder._look(forced.s[:, None], forced)
    assert torch.equal(weights[0, 0], one_hot[0])
    torch.testing.assert_close(context[0, 0], forced.memory[0, j], rtol=0, atol=0)


def test_forcing_changes_only_the_steps_from_the_edit_on(model):
    original = model.decode([TEXT])[0][0]
    step = 8  # the first day digit: make it look at the "2" of the year instead of the "5"
    edit = np.zeros(len(TEXT))
    edit[TEXT.index("2")] = 1.0
    edited = model.decode([TEXT], force=ForcedAttention(step, edit))[0][0]
    np.testing.assert_allclose(edited.weights[:step], original.weights[:step], atol=1e-6)
    np.testing.assert_allclose(edited.weights[step], edit, atol=1e-6)


def test_an_edit_of_the_wrong_length_or_on_the_baseline_is_refused(model):
    with pytest.raises(ValueError, match="tokens"):
        model.decode([TEXT], force=ForcedAttention(0, np.full(3, 1 / 3)))
    baseline = registry.load_checkpoint("date-none", device="cpu").model
    with pytest.raises(ValueError, match="no attention"):
        baseline.decode([TEXT], force=ForcedAttention(0, np.full(len(TEXT), 1 / len(TEXT))))
    with pytest.raises(ValueError):
        ForcedAttention(0, np.array([0.5, 0.2]))  # does not sum to 1


def test_the_beam_tree_holds_the_returned_outputs(model):
    beams = model.decode([TEXT], beam_width=3, with_tree=True)[0]
    tree = beams[0].tree
    assert tree is not None and tree.nodes[0].status == "root"
    finished = [i for i, n in enumerate(tree.nodes) if n.status == "finished"]
    endings = {"".join(tree.nodes[i].token for i in tree.path(f)[:-1]): tree.nodes[f].logprob for f in finished}
    for beam in beams:  # every returned output is a finished path of the tree, with its log-probability
        assert endings[beam.text.replace("-", "-")] == pytest.approx(beam.score, abs=1e-4)
    for step in {n.step for n in tree.nodes[1:]}:
        assert sum(n.status == "kept" for n in tree.nodes if n.step == step) <= 3
    for node in tree.nodes[1:]:
        assert node.weights is not None and node.weights.shape == (len(TEXT),)
        assert node.weights.sum() == pytest.approx(1.0)


def test_a_width_one_tree_is_the_greedy_path(model):
    greedy = model.decode([TEXT])[0][0]
    searched = model.decode([TEXT], beam_width=1, with_tree=True)[0][0]
    assert searched.text == greedy.text
    kept = [n.token for n in searched.tree.nodes if n.status in ("kept", "finished")]
    assert "".join(kept[:-1]) == greedy.text and kept[-1] == "<eos>"


# ----------------------------------------------------------------------------- the captioner: a map over regions


@pytest.fixture(scope="module")
def captioner():
    return registry.load_checkpoint("caption-shapes", device="cpu").model


@pytest.fixture(scope="module")
def scene_image():
    from models.data.shapes import ShapesGenerator, render

    return render(ShapesGenerator(seed=2026).scenes(1)[0])


def test_forcing_a_captioner_word_with_its_own_map_reproduces_the_caption(captioner, scene_image):
    original = captioner.caption([scene_image])[0][0]
    again = captioner.caption([scene_image], force=ForcedAttention(1, original.weights[1]))[0][0]
    assert again.words == original.words
    np.testing.assert_allclose(again.weights, original.weights, atol=1e-5)


def test_forcing_a_captioner_word_changes_only_the_words_from_the_edit_on(captioner, scene_image):
    original = captioner.caption([scene_image])[0][0]
    step = 1  # the first object's colour: make it look at one corner region
    edit = np.zeros(original.weights.shape[1:])
    edit[0, 0] = 1.0
    edited = captioner.caption([scene_image], force=ForcedAttention(step, edit))[0][0]
    assert edited.words[:step] == original.words[:step]
    np.testing.assert_allclose(edited.weights[:step], original.weights[:step], atol=1e-6)
    np.testing.assert_allclose(edited.weights[step], edit, atol=1e-6)
    with pytest.raises(ValueError, match="weights"):
        captioner.caption([scene_image], force=ForcedAttention(0, np.full(3, 1 / 3)))


def test_the_captioner_beam_tree_holds_its_captions_and_maps(captioner, scene_image):
    beams = captioner.caption([scene_image], beam_width=3, with_tree=True)[0]
    tree = beams[0].tree
    assert tree is not None and tree.nodes[0].status == "root"
    finished = {
        " ".join(tree.nodes[i].token for i in tree.path(f)[:-1])
        for f, n in enumerate(tree.nodes)
        if n.status == "finished"
    }
    assert {" ".join(b.words) for b in beams} <= finished
    side = captioner.cfg.grid
    for node in tree.nodes[1:]:
        assert node.weights.shape == (side, side) and node.weights.sum() == pytest.approx(1.0)
