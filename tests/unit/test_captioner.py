"""The captioner on small random models: shapes, greedy = beam width 1, the regulariser, its two encoders."""

import numpy as np
import pytest
import torch
from PIL import Image

from models import decoding
from models.captioner import Captioner, CaptionerConfig, prepare_image
from models.data.shapes import ShapesGenerator, caption_vocabulary, render
from models.tasks.captions import caption_loss
from models.vocab import Vocab


def tiny(**overrides) -> Captioner:
    torch.manual_seed(0)
    settings = {
        "image_size": 64,
        "grid": 8,
        "widths": [4, 8, 8],
        "embed_dim": 8,
        "hidden_dim": 16,
        "attention_dim": 8,
        "max_len": 6,
        **overrides,
    }
    cfg = CaptionerConfig(vocab=Vocab(caption_vocabulary()).tokens, **settings)
    return Captioner(cfg).eval()


def scene_images(n=3, size=64):
    return [render(s) for s in ShapesGenerator(seed=1, size=size).scenes(n)]


def test_every_word_has_a_map_over_the_grid_that_sums_to_one():
    results = tiny().caption(scene_images(), beam_width=2)
    for beams in results:
        for r in beams:
            assert r.weights.shape == (len(r.words), 8, 8)
            assert np.allclose(r.weights.sum(axis=(1, 2)), 1.0, atol=1e-5)
            assert r.gates is not None and np.all((r.gates > 0) & (r.gates < 1))
            assert r.image.size == (64, 64)


def test_beam_width_one_equals_greedy():
    model = tiny()
    images = scene_images()
    greedy = model.caption(images, beam_width=1)
    batch = torch.stack([prepare_image(i, 64)[1] for i in images])
    state = model.encode(batch)
    beams = decoding.beam_search(model.step, state, 3, 1, 2, model.cfg.max_len, width=1)
    for g, b in zip(greedy, beams, strict=True):
        assert model.vocab.decode(b[0].tokens) == g[0].words
        assert b[0].logprob == pytest.approx(g[0].score, abs=1e-5)
        assert np.allclose(b[0].extras["weights"].reshape(-1, 8, 8), g[0].weights, atol=1e-5)


def test_teacher_forcing_equals_step_by_step():
    model = tiny()
    batch = torch.stack([prepare_image(i, 64)[1] for i in scene_images(2)])
    y_in = torch.tensor([[1, 4, 5, 6], [1, 7, 8, 9]])
    logits, alphas, betas = model(batch, y_in)
    state = model.encode(batch)
    for t in range(4):
        log_probs, state, extras = model.step(state, y_in[:, t])
        assert torch.allclose(extras["weights"], alphas[:, t], atol=1e-6)
        assert torch.allclose(extras["gate"], betas[:, t], atol=1e-6)


def test_decoding_ends_cleanly_when_no_beam_reaches_the_end():
    model = tiny()
    with torch.no_grad():
        model.out.bias[model.vocab.eos_id] = -1e4  # <eos> can never win
    for width in (1, 3):
        beams = model.caption(scene_images(1), beam_width=width)[0]
        assert beams and all(len(b.words) == model.cfg.max_len for b in beams)


def test_doubly_stochastic_regulariser_matches_its_formula():
    model = tiny(dropout=0.0)
    batch = torch.stack([prepare_image(i, 64)[1] for i in scene_images(2)])
    y_out = torch.tensor([[4, 5, 2, 0], [6, 7, 8, 2]])
    y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], 1)
    plain, _ = caption_loss(0.0)(model, (batch, y_in, y_out))
    regularised, _ = caption_loss(0.5)(model, (batch, y_in, y_out))
    _, alphas, _ = model(batch, y_in)
    coverage = (alphas * (y_out != 0).float()[:, :, None]).sum(1)
    expected = 0.5 * ((1 - coverage) ** 2).mean()
    assert float(regularised - plain) == pytest.approx(float(expected), rel=1e-4)


def test_slim_encoder_grid_must_fit_the_image_size():
    with pytest.raises(ValueError, match="grid"):
        tiny(grid=7)


def test_prepare_image_crops_to_a_centred_square():
    wide = Image.new("RGB", (200, 100), "white")
    wide.paste((255, 0, 0), (0, 0, 50, 100))  # red only at the far left: cropped away
    seen, tensor = prepare_image(wide, 64)
    assert seen.size == (64, 64) and tensor.shape == (3, 64, 64)
    assert tensor[0].min() > 0.9 and tensor[1].min() > 0.9


def test_a_captioner_has_one_of_two_encoders():
    with pytest.raises(ValueError, match="unknown encoder 'resnet18'"):
        Captioner(CaptionerConfig(vocab=Vocab(["a"]).tokens, encoder="resnet18", image_size=64, grid=2))


def test_input_dropout_acts_while_training_and_never_at_inference():
    model = tiny(input_dropout=0.5)
    batch = torch.stack([prepare_image(i, 64)[1] for i in scene_images(2)])
    y_in = torch.tensor([[1, 4, 5, 6], [1, 7, 8, 9]])
    first, _, _ = model(batch, y_in)
    again, _, _ = model(batch, y_in)
    assert torch.equal(first, again)  # eval(): the same words from the same picture
    model.train()
    noisy, _, _ = model(batch, y_in)
    assert not torch.allclose(first, noisy)  # training: features and words dropped at random
