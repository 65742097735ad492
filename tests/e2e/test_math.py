"""/math in a real browser: switch the score function, edit a cell, open the real model's step and the √d_k tab."""

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_until_idle


def softmax_table(page):
    """The softmax table of step ② (the one with an exp(e_j) column)."""
    return page.locator('[data-testid="stTable"]').filter(has_text="exp(eⱼ").first


def formulas(page) -> str:
    """The TeX source of every formula KaTeX drew."""
    return "\n".join(page.locator('annotation[encoding="application/x-tex"]').all_text_contents())


def edit_first_cell(page, editor_index: int, text: str) -> None:
    """Open the first cell of a data editor (a glide grid drawn on a canvas), type a number, press Enter."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(editor_index)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    header, row_height = 36, 35  # glide's default header and row heights
    x, y = box["x"] + 35, box["y"] + header + row_height / 2
    cell_editor = page.locator(".gdg-input").first  # the overlay glide opens over a cell being edited
    for _ in range(5):  # on a busy machine the grid may not take the first double-click
        page.mouse.dblclick(x, y)
        try:
            cell_editor.wait_for(state="visible", timeout=3_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    cell_editor.fill(text)
    cell_editor.press("Enter")
    wait_until_idle(page)


def test_switching_the_score_function_updates_the_table_and_the_formula(page):
    page.open("/math")
    expect(softmax_table(page)).to_contain_text("0.644", timeout=60_000)  # α for "love" with the dot product
    assert r"\mathbf{s}^\top \mathbf{h}_j" in formulas(page)

    page.get_by_role("radio", name="Scaled dot", exact=True).click()
    expect(softmax_table(page)).to_contain_text("0.455", timeout=60_000)
    wait_until_idle(page)
    assert r"\sqrt{d}" in formulas(page)
    assert r"\sqrt{4}" in formulas(page)

    page.get_by_role("radio", name="General", exact=True).click()
    expect(page.get_by_text("The score function's weights")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert r"\mathbf{s}^\top W \mathbf{h}_j" in formulas(page)
    expect(softmax_table(page)).to_contain_text("0.503")
    assert_no_exception(page)


def test_editing_a_cell_recomputes_and_a_bad_number_gets_a_message(page):
    page.open("/math")
    expect(softmax_table(page)).to_contain_text("0.644", timeout=60_000)
    # the decoder state s is the second editor; its first column holds s₁ = 1. Make it 5:
    # e = (5, 7, 2, -4), and "love" still wins with α ≈ 0.876
    edit_first_cell(page, 1, "5")
    expect(softmax_table(page)).to_contain_text("7.000", timeout=60_000)
    expect(softmax_table(page)).to_contain_text("0.876")
    edit_first_cell(page, 1, "1000000")
    expect(page.get_by_text("is too large")).to_be_visible(timeout=60_000)
    assert_no_exception(page)
    page.get_by_role("button", name="Reset the example").click()
    expect(softmax_table(page)).to_contain_text("0.644", timeout=60_000)
    assert_no_exception(page)


def test_the_real_model_tab_shows_a_decoding_step(page):
    page.open("/math")
    page.get_by_role("tab", name="② From the real model").click()
    page.get_by_text("Step 1 of 10").wait_for()
    expect(page.get_by_text("row 1 of the heatmap")).to_be_visible()
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_until_idle(page)
    expect(page.get_by_text("Step 2 of 10")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("row 2 of the heatmap")).to_be_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]:visible').count() >= 3  # scores, weights, top 5
    assert_no_exception(page)


def test_korean_tabs_and_the_dk_experiment(page):
    page.open("/math?lang=ko")
    page.get_by_role("tab", name="③ 왜 √dₖ인가").click()
    expect(page.get_by_text("엔트로피, 스케일링 (비트)")).to_be_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]:visible').count() == 2
    assert_no_exception(page)
