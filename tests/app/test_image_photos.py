"""/image with the aerial photo captioner and the ways to act on attention (what-if, beam tree, deletion, quiz),
under AppTest: the model switch, a gallery photo, an uploaded aerial photo and a picture that is not aerial."""

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.app.conftest import assert_clean, open_app
from tests.app.test_beyond import open_link

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ucm" / "images"
AERIAL = "caption-aerial"


def open_tab(at, label: str):
    """Only the open tab runs: open another one, as a click on it does."""
    at.session_state["image_tab"] = label
    return at.run()


def chips(at) -> str:
    return "\n".join(m.value for m in at.markdown if 'data-testid="al-caption"' in m.value)


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture
def aerial():
    at = open_app("image")
    at.selectbox(key="image_model").set_value(AERIAL).run()
    assert_clean(at)
    return at


def test_switching_to_the_aerial_model_offers_its_photos_and_says_what_it_knows(aerial):
    assert aerial.segmented_control(key="image_source").options == ["Gallery", "Upload", "Camera"]
    hint = [c.value for c in aerial.caption if "aerial photographs" in c.value]  # the standing one-line hint
    assert hint and "418 photos it never saw, none of them sharing a caption" in hint[0]
    assert "different captions" in hint[0]
    assert any(c.value.startswith("A person wrote for this photo") for c in aerial.caption)
    assert chips(aerial) and "airplane" not in chips(aerial).split(">")[0]
    before = chips(aerial)
    aerial.pills(key="image_photo").set_value(9).run()  # the river photo
    assert_clean(aerial)
    assert chips(aerial) != before and "river" in chips(aerial)
    assert not any("does not look like the aerial photos" in w.value for w in aerial.warning)


def test_switching_back_to_the_shapes_model_keeps_working(aerial):
    aerial.segmented_control(key="image_source").set_value("upload").run()
    aerial.selectbox(key="image_model").set_value("caption-shapes").run()
    assert_clean(aerial)
    assert aerial.segmented_control(key="image_source").value == "upload"
    aerial.segmented_control(key="image_source").set_value("builder").run()
    assert_clean(aerial)
    assert "small" in chips(aerial)


def test_an_uploaded_aerial_photo_is_captioned_without_a_warning(aerial):
    aerial.segmented_control(key="image_source").set_value("upload").run()
    photo = Image.open(FIXTURE / "overpass90.jpg")
    aerial.file_uploader(key="image_upload").set_value(("overpass.jpg", jpeg(photo), "image/jpeg")).run()
    assert_clean(aerial)
    assert chips(aerial)
    assert not any("does not look like the aerial photos" in w.value for w in aerial.warning)


def test_a_picture_that_is_not_aerial_is_captioned_with_a_warning(aerial):
    import numpy as np

    aerial.segmented_control(key="image_source").set_value("upload").run()
    noise = Image.fromarray(np.random.default_rng(3).integers(0, 256, (200, 200, 3), dtype=np.uint8))
    aerial.file_uploader(key="image_upload").set_value(("noise.jpg", jpeg(noise), "image/jpeg")).run()
    aerial.selectbox(key="image_model").set_value(AERIAL).run()  # no captioner knows it; ask the aerial one
    assert_clean(aerial)
    assert chips(aerial), "it still writes its best guess"
    assert any("does not look like the aerial photos" in w.value for w in aerial.warning)


def test_the_deletion_test_runs_on_request_for_the_current_photo(aerial):
    open_tab(aerial, "Is it looking at the thing?")
    assert not [d for d in aerial.dataframe if "attention matters" in str(d.value.columns.tolist())]
    aerial.button(key="image_deletion_run").click().run()
    assert_clean(aerial)
    tables = [d.value for d in aerial.dataframe if "attention matters" in d.value.columns.tolist()]
    assert tables and len(tables[0]) >= 1
    assert set(tables[0]["attention matters"]) <= {"✓", "✗"}
    assert any("content words lost more" in m.value for m in aerial.markdown)


def test_forcing_the_colour_word_onto_another_object_changes_it():
    at = open_tab(open_app("image"), "What if?")
    at.button(key="image_pick_2").click().run()  # a small purple circle, a large orange circle, a large purple star
    at.button(key="image_whatif_example").click().run()
    assert_clean(at)
    assert at.selectbox(key="image_edit_word").value == 2  # the first colour word ("purple"), 0-based
    verdict = [m.value for m in at.markdown if "It now writes" in m.value or "It writes" in m.value]
    assert verdict and "✓ It now writes “orange”" in verdict[0], verdict
    assert any("The caption changed" in w.value for w in at.warning)


def test_what_if_sliders_move_the_edit_into_the_link_and_a_link_restores_it():
    at = open_tab(open_app("image"), "What if?")
    at.slider(key="image_edit_row").set_value(0).run()
    at.slider(key="image_edit_col").set_value(0).run()
    assert_clean(at)
    assert at.query_params["row"] == "1" and at.query_params["col"] == "1"
    linked = open_link("image", {"pick": "3", "edit": "2", "row": "5", "col": "12", "patch": "3"})
    assert_clean(linked)
    assert linked.selectbox(key="image_edit_word").value == 1
    assert (linked.slider(key="image_edit_row").value, linked.slider(key="image_edit_col").value) == (4, 11)
    assert linked.segmented_control(key="image_edit_patch").value == 3


@pytest.mark.parametrize("query", [{"edit": "999"}, {"row": "-3", "col": "x"}, {"patch": "4"}, {"edit": "1e9"}])
def test_bad_what_if_link_values_are_ignored(query):
    at = open_tab(open_link("image", query), "What if?")
    assert_clean(at)
    assert at.selectbox(key="image_edit_word").value in range(12)


def test_the_beam_tree_is_drawn_for_wider_beams(aerial):
    open_tab(aerial, "Beams")
    assert aerial.get("plotly_chart"), "no tree drawn"
    node = aerial.selectbox(key="image_tree_node")
    assert len(node.options) > 3
    node.set_value(node.options[0]).run()
    assert_clean(aerial)


def test_a_quiz_round_on_the_gallery_ends_with_a_score():
    at = open_tab(open_app("image"), "Quiz")
    at.button(key="image_quiz_start").click().run()
    for _ in range(5):
        at.button(key="image_quiz_check").click().run()
        assert_clean(at)
        assert list(at.success) or list(at.info) or list(at.warning)
        at.button(key="image_quiz_next").click().run()
    assert_clean(at)
    assert any(h.value.startswith("Your score:") for h in at.subheader)
