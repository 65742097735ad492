"""What-if edits: typed weights checked and normalised, outputs compared, and the page's suggested edit."""

import math

import numpy as np
import pytest

from app.logic import whatif
from models import registry
from models.results import ForcedAttention


def test_one_hot_puts_all_the_weight_on_one_token():
    assert whatif.one_hot(4, 2) == (0.0, 0.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        whatif.one_hot(4, 4)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([], "empty"),
        ([1, None], "not_a_number"),
        ([1, float("nan")], "not_a_number"),
        ([1, float("inf")], "not_a_number"),
        (["abc", 1], "not_a_number"),
        (["1e400", 1], "not_a_number"),
        ([True, 1], "not_a_number"),
        ([1, -0.5], "negative"),
        ([0, 0, 0], "all_zero"),
        ([0.00001, 0], "all_zero"),  # below the four decimals a weight keeps
    ],
)
def test_bad_weights_are_named_not_used(values, kind):
    assert whatif.read_weights(values) == (None, None, kind)


def test_weights_are_divided_by_their_sum():
    raw, weights, problem = whatif.read_weights([1, "1", 2.0, " 0 "])
    assert problem is None
    assert raw == (1.0, 1.0, 2.0, 0.0)
    assert weights == (0.25, 0.25, 0.5, 0.0) and math.fsum(weights) == 1.0


def test_edit_knows_its_one_target():
    assert whatif.Edit(3, (0.0, 1.0), (0.0, 1.0)).target == 1
    assert whatif.Edit(3, (0.5, 0.5), (1.0, 1.0)).target is None


def test_changed_positions():
    assert whatif.changed_positions("1994-09-27", "1994-09-17") == [8]
    assert whatif.changed_positions("abc", "abcd") == [3]
    assert whatif.changed_positions("", "") == []


def test_the_suggestion_is_the_first_day_digit_and_the_year():
    source = list("september 27, 1994")
    assert whatif.day_digit_example(list("1994-09-27"), source) == (8, 14)
    assert whatif.day_digit_example(list("1993-02-10"), list("2/10/93")) is None  # no four-digit year
    assert whatif.day_digit_example(["나는", "너"], source) is None


@pytest.mark.parametrize(("name", "expected"), [("date-additive", "1994-09-17"), ("date-dot", "1994-09-17")])
def test_the_suggested_edit_changes_the_date(name, expected):
    """Measured: the first day digit, made to look at the "1" of 1994, writes 1 instead of 2."""
    model = registry.load_checkpoint(name, device="cpu").model
    text = "september 27, 1994"
    original = model.decode([text])[0][0]
    step, at = whatif.day_digit_example(original.target, original.source)
    edited = model.decode([text], force=ForcedAttention(step, np.array(whatif.one_hot(len(text), at))))[0][0]
    assert original.text == "1994-09-27" and edited.text == expected


def test_button_labels_are_unique_but_look_like_the_tokens():
    labels = whatif.option_labels([*"1994-09-27", " "])
    assert len(set(labels)) == len(labels)
    assert [label.replace(whatif.INVISIBLE, "") for label in labels] == [*"1994-09-27", "␣"]
    assert labels[1] == "9" and labels[2] == "9\u200b" and labels[6] == "9\u200b\u200b"


# ----------------------------------------------------------------------------- /image: a region of the grid


def test_region_weights_put_everything_on_one_region_or_spread_it_evenly():
    one = whatif.region_weights(4, 1, 2)
    assert len(one) == 16 and one[1 * 4 + 2] == 1.0 and sum(one) == 1.0
    patch = whatif.region_weights(4, 1, 1, patch=3)
    assert sorted(k for k, w in enumerate(patch) if w) == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert all(w == pytest.approx(1 / 9) for w in patch if w)


def test_region_weights_are_cut_at_the_border_and_still_sum_to_one():
    corner = whatif.region_weights(5, 0, 0, patch=5)
    assert sum(1 for w in corner if w) == 9  # rows 0-2, columns 0-2 of the 5 × 5 patch are on the grid
    assert sum(corner) == pytest.approx(1.0)


@pytest.mark.parametrize("args", [(4, 4, 0, 1), (4, 0, -1, 1), (4, 0, 0, 2), (4, 0, 0, 0)])
def test_region_weights_refuse_regions_off_the_grid_and_even_patches(args):
    with pytest.raises(ValueError):
        whatif.region_weights(*args)
