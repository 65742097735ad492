"""The shapes world: captions, the truth per caption token, bounding boxes checked against rendered pixels."""

import dataclasses
import itertools
import re
from collections import Counter

import numpy as np
import pytest

from models.data.shapes import (
    BACKGROUNDS,
    COLOURS,
    IMAGE_SIZE,
    MAX_IOU,
    SHAPES,
    SIZES,
    Scene,
    ShapesGenerator,
    box_iou,
    caption_vocabulary,
    make_scene,
    render,
)

OBJECT = r"a (small|large) (red|green|blue|yellow|purple|orange) (circle|square|triangle|star)"
GREY = (128, 128, 128)


@pytest.fixture(scope="module")
def sample() -> list[Scene]:
    return ShapesGenerator(seed=0).scenes(400)


def plain(scene: Scene) -> Scene:
    """The same objects on a plain grey background without noise, so that pixels can be compared exactly."""
    return dataclasses.replace(scene, background="plain", background_colours=(GREY,), noise=0.0)


def without(scene: Scene, k: int) -> Scene:
    """The scene with object ``k`` removed."""
    return dataclasses.replace(scene, objects=scene.objects[:k] + scene.objects[k + 1 :])


def pixels(scene: Scene) -> np.ndarray:
    return np.asarray(render(scene), dtype=np.int16)


def nearest_colour(rgb: tuple[int, int, int]) -> str:
    return min(COLOURS, key=lambda name: np.square(np.subtract(COLOURS[name], rgb)).sum())


def objects(*specs: str) -> list[dict]:
    """make_scene input from "small red circle" strings, spread left to right."""
    out = []
    for i, spec in enumerate(specs):
        size, colour, shape = spec.split()
        out.append({"shape": shape, "colour": colour, "size": size, "x": (i + 1) / (len(specs) + 1), "y": 0.5})
    return out


# ----------------------------------------------------------------- captions


def test_caption_grammar_for_one_to_four_objects():
    assert make_scene(objects("small red circle")).caption == "a small red circle"
    assert make_scene(objects("small red circle", "large blue square")).caption == (
        "a small red circle and a large blue square"
    )
    three = make_scene(objects("small red circle", "large blue square", "small green triangle"))
    assert three.caption == "a small red circle , a large blue square and a small green triangle"
    four = make_scene(objects("small red circle", "large blue square", "small green triangle", "large yellow star"))
    assert four.caption == "a small red circle , a large blue square , a small green triangle and a large yellow star"
    assert four.tokens == four.caption.split(" ")


def test_every_generated_caption_follows_the_grammar(sample):
    for scene in sample:
        n = len(scene.objects)
        parts = [OBJECT] * n
        pattern = parts[0] if n == 1 else " , ".join(parts[:-1]) + " and " + parts[-1]
        assert re.fullmatch(pattern, scene.caption), scene.caption
        assert "  " not in scene.caption and scene.tokens == scene.caption.split(" ")


def test_caption_names_objects_left_to_right():
    scene = make_scene(
        [
            {"shape": "star", "colour": "yellow", "size": "large", "x": 0.8, "y": 0.2},
            {"shape": "circle", "colour": "red", "size": "small", "x": 0.2, "y": 0.8},
            {"shape": "square", "colour": "blue", "size": "small", "x": 0.5, "y": 0.5},
        ]
    )
    assert scene.caption == "a small red circle , a small blue square and a large yellow star"
    assert [o.cx for o in scene.objects] == sorted(o.cx for o in scene.objects)


def test_generated_objects_are_stored_left_to_right_with_a_visible_gap(sample):
    for scene in sample:
        xs = [o.cx for o in scene.objects]
        assert xs == sorted(xs)
        assert all(b - a >= 0.08 * scene.size for a, b in itertools.pairwise(xs))
        words = [w for o in scene.objects for w in o.words]
        assert [t for t in scene.tokens if t not in ("a", ",", "and")] == words


def test_every_caption_token_is_in_the_vocabulary(sample):
    vocabulary = caption_vocabulary()
    assert vocabulary == sorted(set(vocabulary))
    assert set(vocabulary) == {"a", ",", "and", *SIZES, *COLOURS, *SHAPES}
    used = {token for scene in sample for token in scene.tokens}
    assert used == set(vocabulary)


def test_word_objects_maps_each_size_colour_and_shape_word_to_its_object(sample):
    for scene in sample:
        truth = scene.word_objects()
        assert len(truth) == len(scene.tokens)
        for token, index in zip(scene.tokens, truth, strict=True):
            if token in ("a", ",", "and"):
                assert index is None
            else:
                assert token in scene.objects[index].words
        named = [i for i in truth if i is not None]
        assert named == [i for i in range(len(scene.objects)) for _ in range(3)]


def test_word_objects_for_two_objects():
    scene = make_scene(objects("small red circle", "large blue square"))
    assert scene.word_objects() == [None, 0, 0, 0, None, None, 1, 1, 1]


# ----------------------------------------------------------------- geometry


def test_boxes_lie_inside_the_image_and_objects_are_not_cut_off(sample):
    for scene in sample:
        for o in scene.objects:
            x0, y0, x1, y1 = o.box
            assert 0 <= x0 < x1 <= scene.size and 0 <= y0 < y1 <= scene.size
            assert o.radius <= o.cx <= scene.size - o.radius and o.radius <= o.cy <= scene.size - o.radius
            assert x0 <= o.cx <= x1 and y0 <= o.cy <= y1


def test_objects_overlap_at_most_mildly(sample):
    for scene in sample:
        for a, b in itertools.combinations(scene.objects, 2):
            assert box_iou(a.box, b.box) <= MAX_IOU
            assert np.hypot(a.cx - b.cx, a.cy - b.cy) > max(a.radius, b.radius)  # no centre is covered


def test_sizes_are_in_range_and_scale_with_the_image():
    for size, scale in ((IMAGE_SIZE, 1.0), (256, 2.0)):
        for scene in ShapesGenerator(seed=2, size=size).scenes(50):
            for o in scene.objects:
                low, high = (9, 13) if o.size == "small" else (19, 26)
                assert low * scale <= o.radius <= high * scale


def test_box_is_tight_around_the_drawn_object(sample):
    """Each object's own pixels (the scene minus the scene without it) reach the box edges and stay inside it."""
    for scene in map(plain, sample[:40]):
        full = pixels(scene)
        for k, o in enumerate(scene.objects):
            diff = np.abs(full - pixels(without(scene, k))).max(axis=-1)
            x0, y0, x1, y1 = o.box
            assert np.abs(full[int(o.cy), int(o.cx)] - o.fill).max() <= 2, "the object is drawn at its centre"
            ys, xs = np.nonzero(diff > np.abs(np.subtract(o.fill, GREY)).max() / 2)
            assert xs.min() - x0 <= 3 and ys.min() - y0 <= 3 and x1 - 1 - xs.max() <= 3 and y1 - 1 - ys.max() <= 3
            outside = np.ones_like(diff, dtype=bool)
            outside[max(y0 - 2, 0) : y1 + 2, max(x0 - 2, 0) : x1 + 2] = False
            assert diff[outside].max(initial=0) <= 3, "nothing of the object outside its box grown by 2 px"


def test_make_scene_box_of_an_unrotated_square():
    scene = make_scene([{"shape": "square", "colour": "red", "size": "large", "x": 0.5, "y": 0.5}], seed=1)
    o = scene.objects[0]
    half = o.radius / np.sqrt(2)
    assert o.box == (int(64 - half), int(64 - half), int(np.ceil(64 + half)), int(np.ceil(64 + half)))
    assert o.words == ["large", "red", "square"]


def test_make_scene_keeps_boxes_valid_at_the_border():
    scene = make_scene([{"shape": "star", "colour": "red", "size": "large", "x": 0.0, "y": 1.0, "rotation": 30}])
    x0, y0, x1, y1 = scene.objects[0].box
    assert x0 == 0 and y1 == scene.size and 0 < x1 < scene.size and 0 < y0 < scene.size
    assert render(scene).size == (scene.size, scene.size)


# ----------------------------------------------------------------- rendering


def test_render_is_rgb_of_the_scene_size():
    for size in (64, IMAGE_SIZE):
        scene = ShapesGenerator(seed=1, size=size).scene()
        image = render(scene)
        assert image.mode == "RGB" and image.size == (size, size)


def test_objects_are_drawn_in_their_colour_on_a_contrasting_background(sample):
    def chroma(rgb):
        return max(rgb) - min(rgb)

    for scene in sample:
        assert all(chroma(c) <= 50 for c in scene.background_colours), scene.background_colours
        for o in scene.objects:
            assert nearest_colour(o.fill) == o.colour
            assert chroma(o.fill) >= 95
    image = pixels(plain(sample[0]))
    o = sample[0].objects[0]
    assert np.abs(image[int(o.cy), int(o.cx)] - np.array(o.fill)).max() <= 2


def test_same_seed_same_scenes_and_pixels():
    a, b = ShapesGenerator(seed=5).scenes(20), ShapesGenerator(seed=5).scenes(20)
    assert a == b
    assert all(np.array_equal(pixels(x), pixels(y)) for x, y in zip(a, b, strict=True))
    assert np.array_equal(pixels(a[0]), pixels(a[0]))
    assert a != ShapesGenerator(seed=6).scenes(20)


def test_noise_and_texture_come_from_the_scene_seed():
    scene = next(s for s in ShapesGenerator(seed=8).scenes(50) if s.background == "textured" and s.noise > 2)
    other = dataclasses.replace(scene, seed=scene.seed + 1)
    assert not np.array_equal(pixels(scene), pixels(other))
    quiet = dataclasses.replace(scene, noise=0.0)
    spread = (pixels(scene) - pixels(quiet)).std()
    assert 0.7 * scene.noise < spread < 1.3 * scene.noise


def test_every_shape_colour_size_background_and_count_occurs(sample):
    objects_ = [o for scene in sample for o in scene.objects]
    assert {o.shape for o in objects_} == set(SHAPES)
    assert {o.colour for o in objects_} == set(COLOURS)
    assert {o.size for o in objects_} == set(SIZES)
    assert {scene.background for scene in sample} == set(BACKGROUNDS)
    counts = Counter(len(scene.objects) for scene in sample)
    assert set(counts) == {1, 2, 3, 4} and min(counts.values()) > 50
    assert len({o.rotation for o in objects_ if o.shape != "circle"}) > 100


def test_generator_respects_the_object_count_limits():
    for scene in ShapesGenerator(seed=3, min_objects=4, max_objects=4).scenes(30):
        assert len(scene.objects) == 4
    for scene in ShapesGenerator(seed=3, min_objects=1, max_objects=2).scenes(30):
        assert 1 <= len(scene.objects) <= 2
    with pytest.raises(ValueError, match="max_objects"):
        ShapesGenerator(max_objects=5)


# ----------------------------------------------------------------- make_scene input


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shape": "hexagon"}, r"object 0: unknown shape 'hexagon'; known: circle"),
        ({"colour": "pink"}, r"unknown colour 'pink'"),
        ({"size": "medium"}, r"unknown size 'medium'; known: small, large"),
        ({"x": 1.5}, r"object 0: x must be a fraction between 0 and 1"),
        ({"y": -0.1}, r"y must be a fraction between 0 and 1"),
        ({"x": "left"}, r"x must be a fraction"),
        ({"rotation": "tilted"}, r"rotation must be a number"),
    ],
)
def test_make_scene_rejects_bad_objects_with_clear_errors(change, message):
    spec = {"shape": "circle", "colour": "red", "size": "small", "x": 0.5, "y": 0.5} | change
    with pytest.raises(ValueError, match=message):
        make_scene([spec])


def test_make_scene_rejects_bad_scenes_with_clear_errors():
    with pytest.raises(ValueError, match="1 to 4 objects, not 5"):
        make_scene(objects(*["small red circle"] * 5))
    with pytest.raises(ValueError, match="1 to 4 objects, not 0"):
        make_scene([])
    with pytest.raises(ValueError, match="object 0 is missing colour, y"):
        make_scene([{"shape": "circle", "size": "small", "x": 0.5}])
    with pytest.raises(ValueError, match="unknown background 'stars'"):
        make_scene(objects("small red circle"), background="stars")
    with pytest.raises(ValueError, match="noise"):
        make_scene(objects("small red circle"), noise=-1)


def test_make_scene_draws_every_background():
    for background in BACKGROUNDS:
        scene = make_scene(objects("large green star", "small blue circle"), background=background, noise=4.0, seed=3)
        assert scene.background == background
        assert len(scene.background_colours) == (1 if background == "plain" else 2)
        image = pixels(scene)
        assert image.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
        assert np.array_equal(image, pixels(scene))
