"""The rule /image routes a picture of the student's own by: among the captioners whose familiarity rule accepts
it, the one it lies nearest to (distance over that rule's threshold); when none accepts it, the everyday one."""

from types import SimpleNamespace

import pytest

from app.services import images
from models.results import AerialCheck


def entry(name: str, task: str, rule: bool = True):
    return SimpleNamespace(name=name, task=task, card=SimpleNamespace(familiarity=object() if rule else None))


ENTRIES = [
    entry("caption-shapes", "caption"),
    entry("caption-photo", "caption-photo"),
    entry("caption-aerial", "caption-aerial"),
    entry("caption-ruleless", "caption-aerial", rule=False),
]


@pytest.fixture
def verdicts(monkeypatch):
    """Each captioner's (distance, threshold), set per test."""
    table: dict[str, tuple[float, float]] = {}
    monkeypatch.setattr(images, "image_models", lambda: ENTRIES)

    def check(name, image):
        if name == "caption-ruleless":
            raise AssertionError("a captioner without a rule is never asked")
        distance, threshold = table[name]
        return AerialCheck(distance, threshold, distance <= threshold)

    monkeypatch.setattr(images, "aerial_check", check)
    return table


def test_the_nearest_accepting_captioner_wins_by_distance_over_its_own_threshold(verdicts):
    verdicts |= {"caption-shapes": (5.0, 0.25), "caption-photo": (0.9, 1.0), "caption-aerial": (0.30, 0.47)}
    route = images.route_picture(None)
    assert route.name == "caption-aerial" and route.recognised  # 0.64 of its limit beats the photo rule's 0.90
    assert [n for n, _ in route.checks] == ["caption-shapes", "caption-photo", "caption-aerial"]
    assert route.verdict("caption-photo").looks_aerial and not route.verdict("caption-shapes").looks_aerial


def test_a_scene_only_the_shapes_rule_accepts_goes_to_the_shapes_world(verdicts):
    verdicts |= {"caption-shapes": (0.15, 0.25), "caption-photo": (3.0, 1.0), "caption-aerial": (1.2, 0.47)}
    assert images.route_picture(None).name == "caption-shapes"


def test_a_picture_no_rule_accepts_goes_to_the_everyday_captioner_unrecognised(verdicts):
    verdicts |= {"caption-shapes": (0.9, 0.25), "caption-photo": (3.0, 1.0), "caption-aerial": (1.2, 0.47)}
    route = images.route_picture(None)
    assert route.name == "caption-photo" and not route.recognised
