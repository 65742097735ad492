"""A generated shapes world for the image captioner (*Show, Attend and Tell*): scenes whose truth is known.

    >>> scene = ShapesGenerator(seed=0).scene()
    >>> scene.caption                 # e.g. "a small red circle , a large blue square and a small green star"
    >>> scene.objects[0].box          # (x0, y0, x1, y1) of the leftmost object, in pixels
    >>> image = render(scene)         # a 128 × 128 RGB PIL image, the same pixels every time

No image–caption data can be downloaded, so the captioner learns from scenes drawn here. Every scene records
where each object is, so we can check whether the model's attention looked at the object it was naming
(``Scene.word_objects``: for each caption token, the index of the object it describes).

Scenes have 1–4 objects, each one of

    shapes    circle · square · triangle · star        (random rotation; a circle has none)
    colours   red · green · blue · yellow · purple · orange   (each drawn with a small random shift in shade)
    sizes     small (radius 9–13 px at 128 px) · large (19–26 px); the radius is that of the circumscribed circle

placed at random with only mild overlap (bounding-box IoU ≤ 0.1, centres at least 0.9 × the sum of the radii
apart), nothing cut off by the border, and centres at least 8 % of the width apart in x, so that the order
left to right is plain to see. The background is

    plain     one muted colour (greys, beige, pastels, dark slate: never as saturated as an object)
    gradient  a linear blend of two muted colours in a random direction
    textured  faint stripes, a checkerboard or soft blotches in two close muted tones

and Gaussian pixel noise (sigma 0–8 on 0–255) lies over everything. The caption names every object left to
right by its centre, always with size, colour and shape; a comma is a token of its own:

    a small red circle
    a small red circle and a large blue square
    a small red circle , a large blue square and a small green triangle

Shapes are drawn 4× larger with Pillow and scaled down with LANCZOS, so edges are antialiased. Sizes and
distances scale with the image size. Rendering is a pure function of the scene: noise and texture come from
a numpy Generator seeded with ``scene.seed``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "BACKGROUNDS",
    "COLOURS",
    "IMAGE_SIZE",
    "MAX_OBJECTS",
    "SHAPES",
    "SIZES",
    "Scene",
    "ShapeObject",
    "ShapesGenerator",
    "bounding_box",
    "box_iou",
    "caption_vocabulary",
    "make_scene",
    "render",
    "vertices",
]

IMAGE_SIZE = 128
MAX_OBJECTS = 4
SHAPES = ("circle", "square", "triangle", "star")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 40, 40),
    "green": (40, 165, 60),
    "blue": (45, 85, 215),
    "yellow": (235, 205, 35),
    "purple": (140, 65, 190),
    "orange": (240, 130, 25),
}
SIZES = ("small", "large")
BACKGROUNDS = ("plain", "gradient", "textured")

RADIUS = {"small": (9.0, 13.0), "large": (19.0, 26.0)}  # pixels at IMAGE_SIZE; scaled with the image
SYMMETRY = {"circle": 0.0, "square": 90.0, "triangle": 120.0, "star": 72.0}  # rotation repeats after this
STAR_INNER = 0.5  # inner radius of the star's points, as a fraction of the outer radius
COLOUR_JITTER = 14  # each channel of an object's colour moves by at most this much
MUTED: tuple[tuple[int, int, int], ...] = (
    (205, 205, 205),  # light grey
    (150, 150, 150),  # grey
    (95, 95, 95),  # dark grey
    (225, 215, 190),  # beige
    (200, 215, 230),  # pastel blue
    (205, 225, 205),  # pastel green
    (225, 210, 225),  # pastel lilac
    (50, 62, 72),  # dark slate
)
BACKGROUND_JITTER = 8
NOISE_MAX = 8.0  # largest pixel-noise sigma, on 0–255
MAX_IOU = 0.1  # of the bounding boxes of any two objects
MIN_DISTANCE = 0.9  # between two centres, as a fraction of the sum of the radii
MIN_GAP_X = 0.08  # between two centres in x, as a fraction of the image width
MARGIN = 2.0  # pixels between an object's circumscribed circle and the border
PLACE_TRIES = 100  # positions tried for one object before the scene starts over
SCENE_TRIES = 5  # whole scenes tried with one object count before trying one object fewer
MAX_SCENE_TRIES = 200  # whole scenes tried in all (never reached in practice)
SUPERSAMPLE = 4
FILTER_PAD = 3  # LANCZOS reaches 3 output pixels: the margin of each object's drawing patch

RGB = tuple[int, int, int]
Point = tuple[float, float]  # x, y in pixels
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels; x1 and y1 exclusive, as for Image.crop


@dataclass(frozen=True)
class ShapeObject:
    """One object: what it is, where its centre is (pixels), its radius, rotation and tight bounding box."""

    shape: str
    colour: str
    size: str  # "small" | "large"
    cx: float
    cy: float
    radius: float  # of the circumscribed circle
    rotation: float  # degrees, clockwise on screen
    box: Box
    rgb: RGB | None = None  # the shade drawn; None means COLOURS[colour]

    @property
    def words(self) -> list[str]:
        """The object's words in the caption: ["small", "red", "circle"]."""
        return [self.size, self.colour, self.shape]

    @property
    def fill(self) -> RGB:
        """The colour the object is drawn in."""
        return self.rgb if self.rgb is not None else COLOURS[self.colour]


@dataclass(frozen=True)
class Scene:
    """A scene to render: objects left to right, the background, pixel noise, and the seed for noise and texture."""

    objects: tuple[ShapeObject, ...]
    background: str  # one of BACKGROUNDS
    background_colours: tuple[RGB, ...]  # plain: 1; gradient: 2 (start, end); textured: 2 (base, pattern)
    noise: float  # sigma of the Gaussian pixel noise, on 0–255
    seed: int
    size: int = IMAGE_SIZE

    def _parts(self) -> list[tuple[str, int | None]]:
        """(token, index of the object it describes or None) for each caption token."""
        parts: list[tuple[str, int | None]] = []
        last = len(self.objects) - 1
        for i, obj in enumerate(self.objects):
            if i > 0:
                parts.append(("and", None) if i == last else (",", None))
            parts.append(("a", None))
            parts.extend((word, i) for word in obj.words)
        return parts

    @property
    def caption(self) -> str:
        """Every object left to right: "a small red circle , a large blue square and a small green star"."""
        return " ".join(self.tokens)

    @property
    def tokens(self) -> list[str]:
        """The caption's tokens."""
        return [token for token, _ in self._parts()]

    def word_objects(self) -> list[int | None]:
        """For each caption token, the index in ``objects`` of the object it names; None for "a", "," and "and"."""
        return [index for _, index in self._parts()]


def caption_vocabulary() -> list[str]:
    """Every token a caption can contain, sorted."""
    return sorted({"a", ",", "and", *SIZES, *COLOURS, *SHAPES})


# --------------------------------------------------------------------- geometry


def vertices(shape: str, centre: Point, radius: float, rotation: float) -> list[Point]:
    """Corners of a square, triangle or star (pointing up at rotation 0); empty for a circle."""
    cx, cy = centre
    if shape == "circle":
        return []
    corners = {"square": 4, "triangle": 3, "star": 10}[shape]
    points = []
    for k in range(corners):
        angle = math.radians(rotation - 90.0 + 360.0 * k / corners + (45.0 if shape == "square" else 0.0))
        r = radius * STAR_INNER if shape == "star" and k % 2 else radius
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def bounding_box(shape: str, centre: Point, radius: float, rotation: float, size: int) -> Box:
    """The pixels the drawn shape touches, clipped to the image; (x0, y0) inclusive, (x1, y1) exclusive."""
    (cx, cy), r = centre, radius
    points = vertices(shape, centre, radius, rotation) or [(cx - r, cy - r), (cx + r, cy + r)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0 = max(math.floor(min(xs)), 0), max(math.floor(min(ys)), 0)
    x1, y1 = min(math.ceil(max(xs)), size), min(math.ceil(max(ys)), size)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _fits(obj: ShapeObject, placed: list[ShapeObject], size: int) -> bool:
    """Whether ``obj`` keeps the overlap, distance and left-to-right gap rules with every placed object."""
    for other in placed:
        if abs(obj.cx - other.cx) < MIN_GAP_X * size or box_iou(obj.box, other.box) > MAX_IOU:
            return False
        if math.hypot(obj.cx - other.cx, obj.cy - other.cy) < MIN_DISTANCE * (obj.radius + other.radius):
            return False
    return True


# --------------------------------------------------------------------- rendering


def render(scene: Scene) -> Image.Image:
    """The scene as an RGB image of ``scene.size`` × ``scene.size`` pixels; the same scene gives the same pixels."""
    rng = np.random.default_rng(scene.seed)
    canvas = _background(scene, rng)
    for obj in sorted(scene.objects, key=lambda o: -o.radius):  # large first, so small ones stay visible
        _paint(canvas, obj)
    if scene.noise > 0:
        canvas += rng.standard_normal(canvas.shape, dtype=np.float32) * np.float32(scene.noise)
    return Image.fromarray(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))


def _background(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    """The background as a float32 array (size, size, 3)."""
    n = scene.size
    colours = np.asarray(scene.background_colours, dtype=np.float32)
    if scene.background == "plain":
        return np.broadcast_to(colours[0], (n, n, 3)).copy()
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) + 0.5
    if scene.background == "gradient":
        angle = rng.uniform(0.0, 2 * math.pi)
        t = x * math.cos(angle) + y * math.sin(angle)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    else:
        t = _texture(x, y, n, rng)
    return colours[0] * (1 - t[..., None]) + colours[1] * t[..., None]


def _texture(x: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A pattern in [0, 1]: stripes, a checkerboard or blotches, chosen by ``rng``."""
    kind = rng.integers(3)
    scale = n / IMAGE_SIZE
    if kind == 0:  # stripes
        angle, period = rng.uniform(0.0, math.pi), rng.uniform(6.0, 14.0) * scale
        return 0.5 + 0.5 * np.sin(2 * math.pi * (x * math.cos(angle) + y * math.sin(angle)) / period)
    if kind == 1:  # checkerboard
        cell = rng.uniform(6.0, 16.0) * scale
        dx, dy = rng.uniform(0.0, cell, 2)
        return ((np.floor((x + dx) / cell) + np.floor((y + dy) / cell)) % 2).astype(np.float32)
    cells = int(rng.integers(4, 9))  # blotches: a coarse random grid, smoothly enlarged
    coarse = Image.fromarray(rng.random((cells, cells)).astype(np.float32))
    return np.asarray(coarse.resize((n, n), Image.Resampling.BICUBIC), dtype=np.float32).clip(0.0, 1.0)


def _paint(canvas: np.ndarray, obj: ShapeObject) -> None:
    """Draw one object into ``canvas`` in place: a 4× mask of a patch around it, scaled down, blended."""
    n = canvas.shape[0]
    r = obj.radius
    x0, y0 = max(math.floor(obj.cx - r) - FILTER_PAD, 0), max(math.floor(obj.cy - r) - FILTER_PAD, 0)
    x1, y1 = min(math.ceil(obj.cx + r) + FILTER_PAD, n), min(math.ceil(obj.cy + r) + FILTER_PAD, n)
    if x1 <= x0 or y1 <= y0:
        return
    mask = Image.new("L", ((x1 - x0) * SUPERSAMPLE, (y1 - y0) * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(mask)

    def big(px: float, py: float) -> tuple[float, float]:  # the centre of sub-pixel k sits at (k + 0.5) / 4
        return (px - x0) * SUPERSAMPLE - 0.5, (py - y0) * SUPERSAMPLE - 0.5

    points = vertices(obj.shape, (obj.cx, obj.cy), r, obj.rotation)
    if points:
        draw.polygon([big(px, py) for px, py in points], fill=255)
    else:
        draw.ellipse([*big(obj.cx - r, obj.cy - r), *big(obj.cx + r, obj.cy + r)], fill=255)
    small = mask.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS)
    alpha = np.asarray(small, dtype=np.float32)[..., None] / 255.0
    patch = canvas[y0:y1, x0:x1]
    patch += (np.asarray(obj.fill, dtype=np.float32) - patch) * alpha


# --------------------------------------------------------------------- scenes


def _muted(rng: random.Random, exclude: RGB | None = None) -> RGB:
    """A muted background colour with a small jitter, not the base colour ``exclude``."""
    base = rng.choice([c for c in MUTED if c != exclude])
    return _jitter(base, BACKGROUND_JITTER, rng)


def _jitter(colour: RGB, amount: int, rng: random.Random) -> RGB:
    """``colour`` with each channel moved by at most ``amount``."""
    r, g, b = (min(max(c + rng.randint(-amount, amount), 0), 255) for c in colour)
    return r, g, b


def _background_colours(background: str, rng: random.Random) -> tuple[RGB, ...]:
    """The colours of a background: one for plain, two for gradient and textured."""
    first = _muted(rng)
    if background == "plain":
        return (first,)
    if background == "gradient":
        nearest = min(MUTED, key=lambda c: sum(abs(a - b) for a, b in zip(c, first, strict=True)))
        return first, _muted(rng, exclude=nearest)
    shift = rng.randint(12, 22) * (1 if sum(first) < 3 * 128 else -1)  # a faint pattern: a bit lighter or darker
    second = tuple(min(max(c + shift, 0), 255) for c in first)
    return first, (second[0], second[1], second[2])


def _radius(size: str, image_size: int, fraction: float) -> float:
    """The radius of a ``size`` object: ``fraction`` 0 is the smallest, 1 the largest."""
    low, high = RADIUS[size]
    return (low + (high - low) * fraction) * image_size / IMAGE_SIZE


class ShapesGenerator:
    """Random scenes of ``min_objects``–``max_objects`` objects; the same seed gives the same scenes."""

    def __init__(
        self, seed: int = 0, size: int = IMAGE_SIZE, min_objects: int = 1, max_objects: int = MAX_OBJECTS
    ) -> None:
        if not 1 <= min_objects <= max_objects <= MAX_OBJECTS:
            raise ValueError(f"need 1 <= min_objects <= max_objects <= {MAX_OBJECTS}, not {min_objects}, {max_objects}")
        if size < 32:
            raise ValueError(f"size must be at least 32 pixels, not {size}")
        self.rng = random.Random(seed)
        self.size = size
        self.min_objects = min_objects
        self.max_objects = max_objects

    def _object(self, placed: list[ShapeObject]) -> ShapeObject | None:
        """A random object that fits beside ``placed``, or None after PLACE_TRIES positions."""
        rng, n = self.rng, self.size
        shape, colour, size = rng.choice(SHAPES), rng.choice(list(COLOURS)), rng.choice(SIZES)
        radius = _radius(size, n, rng.random())
        rotation = rng.uniform(0.0, SYMMETRY[shape])
        rgb = _jitter(COLOURS[colour], COLOUR_JITTER, rng)
        low, high = radius + MARGIN, n - radius - MARGIN
        for _ in range(PLACE_TRIES):
            cx, cy = rng.uniform(low, high), rng.uniform(low, high)
            box = bounding_box(shape, (cx, cy), radius, rotation, n)
            obj = ShapeObject(shape, colour, size, cx, cy, radius, rotation, box, rgb)
            if _fits(obj, placed, n):
                return obj
        return None

    def _objects(self, count: int) -> list[ShapeObject] | None:
        """``count`` objects placed together, or None if one of them found no place."""
        placed: list[ShapeObject] = []
        for _ in range(count):
            obj = self._object(placed)
            if obj is None:
                return None
            placed.append(obj)
        return placed

    def scene(self) -> Scene:
        """One random scene."""
        count = self.rng.randint(self.min_objects, self.max_objects)
        for attempt in range(1, MAX_SCENE_TRIES + 1):
            objects = self._objects(count)
            if objects is not None:
                break
            if attempt % SCENE_TRIES == 0:
                count = max(count - 1, self.min_objects)
        else:
            raise RuntimeError(f"could not place {count} objects in a {self.size}-pixel image")
        background = self.rng.choice(BACKGROUNDS)
        return Scene(
            objects=tuple(sorted(objects, key=lambda o: o.cx)),
            background=background,
            background_colours=_background_colours(background, self.rng),
            noise=self.rng.uniform(0.0, NOISE_MAX),
            seed=self.rng.getrandbits(32),
            size=self.size,
        )

    def scenes(self, n: int) -> list[Scene]:
        """``n`` scenes (the same ``n`` for the same seed)."""
        return [self.scene() for _ in range(n)]


def make_scene(
    objects: list[dict], background: str = "plain", noise: float = 0.0, seed: int = 0, size: int = IMAGE_SIZE
) -> Scene:
    """A scene built by hand (the scene builder page).

    Each object is a dict with ``shape``, ``colour``, ``size`` ("small" | "large"), ``x`` and ``y`` (fractions
    0–1 of the image) and an optional ``rotation`` in degrees. Radii are the middle of each size's range and
    colours their pure shade; overlap is not checked. Raises ValueError for anything it cannot draw.
    """
    if not 1 <= len(objects) <= MAX_OBJECTS:
        raise ValueError(f"a scene has 1 to {MAX_OBJECTS} objects, not {len(objects)}")
    if background not in BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}; known: {', '.join(BACKGROUNDS)}")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= 255:
        raise ValueError(f"noise must be between 0 and 255, not {noise}")
    built = [_object_from_dict(spec, i, size) for i, spec in enumerate(objects)]
    return Scene(
        objects=tuple(sorted(built, key=lambda o: o.cx)),
        background=background,
        background_colours=_background_colours(background, random.Random(seed)),
        noise=float(noise),
        seed=seed,
        size=size,
    )


def _object_from_dict(spec: dict, i: int, size: int) -> ShapeObject:
    """One object of ``make_scene``, checked; ``i`` names it in error messages."""
    missing = {"shape", "colour", "size", "x", "y"} - set(spec)
    if missing:
        raise ValueError(f"object {i} is missing {', '.join(sorted(missing))}")
    for key, known in (("shape", SHAPES), ("colour", tuple(COLOURS)), ("size", SIZES)):
        if spec[key] not in known:
            raise ValueError(f"object {i}: unknown {key} {spec[key]!r}; known: {', '.join(known)}")
    for key in ("x", "y"):
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"object {i}: {key} must be a fraction between 0 and 1 of the image, not {value!r}")
    rotation = spec.get("rotation") or 0.0
    if isinstance(rotation, bool) or not isinstance(rotation, int | float) or not math.isfinite(rotation):
        raise ValueError(f"object {i}: rotation must be a number of degrees, not {rotation!r}")
    radius = _radius(spec["size"], size, 0.5)
    cx, cy = spec["x"] * size, spec["y"] * size
    box = bounding_box(spec["shape"], (cx, cy), radius, rotation, size)
    return ShapeObject(spec["shape"], spec["colour"], spec["size"], cx, cy, radius, float(rotation), box)


# --------------------------------------------------------------------------- what-if answers on a scene


def word_kind(word: str) -> str | None:
    """ "colour", "shape" or "size" for a word of the shapes world, else None."""
    return "colour" if word in COLOURS else "shape" if word in SHAPES else "size" if word in SIZES else None


def object_at(scene: Scene, row: int, col: int, side: int) -> ShapeObject | None:
    """The scene's object whose box holds the centre of region (row, col) of a side × side grid, or None."""
    x, y = (col + 0.5) * scene.size / side, (row + 0.5) * scene.size / side
    return next((o for o in scene.objects if o.box[0] <= x < o.box[2] and o.box[1] <= y < o.box[3]), None)


def colour_swap_example(scene: Scene, words: list[str], side: int) -> tuple[int, int, int, str] | None:
    """The lecture's what-if on a scene: the caption's first colour word, and the centre region of an object of
    another colour — (word index, row, column, that colour) — or None when the scene has no such pair."""
    step = next((i for i, w in enumerate(words) if word_kind(w) == "colour"), None)
    other = next((o for o in scene.objects if step is not None and o.colour != words[step]), None)
    if other is None:
        return None
    x0, y0, x1, y1 = other.box
    row = min(int((y0 + y1) / 2 * side / scene.size), side - 1)
    col = min(int((x0 + x1) / 2 * side / scene.size), side - 1)
    return step, row, col, other.colour
