"""Every page in a real browser, in English and in Korean.

One test per page and language, on one browser page:
- it loads with no exception, its heading and the sidebar are in the language asked for, and no string of
  the other language's catalogue shows (English left on a Korean page, or Korean on an English one);
- a screenshot of the whole page goes to test-artifacts/page-<page>-<lang>.png;
- its main interaction works (follow a link, slide, play, switch model, type, pick a picture, generate),
  and every download it offers (CSV, JSON, the PNGs of download buttons and of Plotly's camera button)
  gives a file that csv, json or Pillow reads, with the numbers the page shows;
- then the same checks again, and a second screenshot, page-<page>-<lang>-after.png.
The other e2e files check the rest (typing dates, uploads, the math editor, live training).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.i18n import strings, t
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import (
    ROOT,
    rerun,
    screenshot_whole_page,
    wait_for_charts,
    wait_until_drawn,
    wait_until_idle,
)

PATHS = {"home": "/", "text": "/text", "math": "/math", "transformer": "/transformer", "image": "/image"}
PATHS["experiments"] = "/experiments"
TITLES = {  # the heading each page starts with
    "home": "home.tagline",
    "text": "text.title",
    "math": "math.title",
    "transformer": "tf.title",
    "image": "image.title",
    "experiments": "exp.title",
}
LAST = {  # the last thing each page draws: once it is there, the first run is over
    "home": "home.footer",
    "text": "text.how_to_read_title",
    "math": "math.scale_note",  # in the third tab, drawn but hidden
    "transformer": "tf.cross_rows_note",  # under the first tab's map (only the open tab runs)
    "image": "image.own_model_title",
    "experiments": "exp.live_start",
}
LANGUAGES = ("en", "ko")
WAIT = 60_000  # ms for an answer that needs a script run (the machine may be busy)
ARTIFACTS = ROOT / "test-artifacts"
FIRST_RUN_OVER = """() => document.querySelector('[data-testid="stApp"]')
                       .getAttribute('data-test-script-state') === 'notRunning'"""


# ----------------------------------------------------------------------------- language checks


def _fragments(value: str) -> list[str]:
    """The plain-text runs of a catalogue string: no {placeholders}, no Markdown marks."""
    return [f.strip(" .,:;·—-–\"'“”") for f in re.split(r"\{[^}]*\}|\*\*|[*_`#\[\]()\n|<>]", value)]


def leftovers(shown: str, lang: str) -> list[str]:
    """Catalogue strings of the *other* language that appear on a page shown in ``lang``.

    Only runs long enough to mean something count (three words in English, eight characters in Korean),
    and never one that the page's own language uses too (a paper title, a model name).
    """
    other = "ko" if lang == "en" else "en"
    mine, theirs = strings(lang), strings(other)
    everything_mine = "\n".join(mine.values())
    found = set()
    for key, value in theirs.items():
        if mine.get(key) == value:
            continue
        for fragment in _fragments(value):
            long_enough = fragment.count(" ") >= 2 and len(fragment) >= 16 if other == "en" else len(fragment) >= 8
            if long_enough and fragment not in everything_mine and fragment in shown:
                found.add(f"{key}: {fragment!r}")
    return sorted(found)


def check_page(page, name: str, lang: str) -> None:
    """No exception, the page's heading and the sidebar in ``lang``, nothing left in the other language."""
    assert_no_exception(page)
    expect(page.get_by_role("heading", name=t(TITLES[name], lang=lang)).first).to_be_visible(timeout=WAIT)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text(t("app.device", lang=lang))
    expect(sidebar).to_contain_text(t(f"nav.{name}", lang=lang))
    shown = page.locator('[data-testid="stApp"]').inner_text()
    assert leftovers(shown, lang) == [], f"/{name}?lang={lang} shows strings of the other language"


def shoot(page, name: str, lang: str, suffix: str = "") -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    wait_until_drawn(page)
    screenshot_whole_page(page, ARTIFACTS / f"page-{name}-{lang}{suffix}.png")


# ----------------------------------------------------------------------------- downloads


def download(page, click) -> tuple[str, bytes]:
    """Run ``click`` and return the file the browser saved: its suggested name and its bytes."""
    with page.expect_download() as info:
        click()
    saved = info.value
    assert saved.failure() is None, saved.failure()
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def download_button(page, label: str) -> tuple[str, bytes]:
    """Click a download button; then wait for any run it started (one that writes its file on click may not)."""
    name, data = download(page, page.get_by_role("button", name=label).click)
    wait_until_idle(page)
    return name, data


def plotly_png(page, chart) -> Image.Image:
    """The PNG of a Plotly chart from its camera button, opened (and so checked) by Pillow."""
    centre(chart)
    chart.hover()
    button = chart.locator('.modebar-btn[data-title^="Download plot"]')
    name, data = download(page, button.click)
    assert name.endswith(".png")
    return parse_png(data)


def parse_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.width >= 200 and image.height >= 100, (image.format, image.size)
    darkest, brightest = image.convert("L").getextrema()
    assert brightest - darkest > 64, "the PNG is blank"
    return image


def centre(locator) -> None:
    """Scroll ``locator`` to the middle of the screen (at the top, Streamlit's header would cover it)."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")


def shows_while_playing(page, text: str) -> None:
    """Wait until some Markdown on the page shows ``text``, checked every frame: a step of a play loop
    stays on screen for well under a second, less than expect()'s polling interval."""
    page.wait_for_function(
        """text => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
                   .some(element => element.textContent.includes(text))""",
        arg=text,
        polling="raf",
        timeout=WAIT,
    )


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label``."""
    box = page.get_by_role("combobox", name=label)
    centre(box)
    box.click()
    with rerun(page):
        page.get_by_role("option", name=option, exact=True).click()


def press(page, slider_name: str, key: str, times: int = 1) -> None:
    slider = page.get_by_role("slider", name=slider_name)
    centre(slider)
    slider.focus()
    with rerun(page):
        for _ in range(times):
            slider.press(key)


# ----------------------------------------------------------------------------- each page's main interaction


def home(page, lang: str) -> None:
    """The "try it" link opens /text and keeps the language."""
    with rerun(page):
        page.get_by_role("link", name=t("home.try_it", lang=lang)).click()
    expect(page.get_by_role("heading", name=t("text.title", lang=lang))).to_be_visible(timeout=WAIT)
    assert page.url.split("?")[0].endswith("/text")
    expect(page.get_by_test_id("al-output")).to_have_text("1994-09-27", timeout=WAIT)


def text(page, lang: str) -> None:
    """CSV, JSON and PNG of the default date's alignment; the step slider (and play); the no-attention model."""
    expect(page.get_by_test_id("al-output")).to_have_text("1994-09-27", timeout=WAIT)
    source = "september 27, 1994"

    name, data = download_button(page, t("text.download_csv", lang=lang))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert name == "date-additive-alignment.csv"
    assert rows[0] == ["output"] + [f"{j + 1}:{c}" for j, c in enumerate(source)]
    assert [r[0] for r in rows[1:]] == [f"{i + 1}:{c}" for i, c in enumerate("1994-09-27")]
    for row in rows[1:]:
        assert sum(float(x) for x in row[1:]) == pytest.approx(1.0, abs=1e-4)

    name, data = download_button(page, t("text.download_json", lang=lang))
    payload = json.loads(data)
    assert name == "date-additive-alignment.json"
    assert payload["output"] == "1994-09-27" and payload["input"] == source and payload["model"] == "date-additive"
    assert len(payload["weights"]) == 10 and {len(r) for r in payload["weights"]} == {len(source)}

    plotly_png(page, page.locator('[data-testid="stPlotlyChart"]').first)

    page.get_by_role("tab", name=t("text.tab_steps", lang=lang)).click()
    step = {"en": "Step {} of 10", "ko": "10단계 중 {}단계"}[lang]
    expect(page.get_by_text(step.format(1))).to_be_visible(timeout=WAIT)
    for n in (2, 3):  # one key at a time: a press sent while the slider's part reruns can be lost
        press(page, t("text.step_slider", lang=lang), "ArrowRight")
        expect(page.get_by_text(step.format(n))).to_be_visible(timeout=WAIT)
    if lang == "ko":  # play walks through all ten steps (7 s); once is enough, it is the same code in English
        with rerun(page):
            page.get_by_role("button", name=t("text.play", lang=lang)).click()
            shows_while_playing(page, step.format(10))
        expect(page.get_by_text(step.format(3))).to_be_visible(timeout=WAIT)  # back at the slider's step
    wait_for_charts(page)

    pick(page, t("text.model_label", lang=lang), t("text.model_none", lang=lang))
    expect(page.get_by_text(t("text.no_attention_note", lang=lang))).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("al-output")).not_to_be_empty(timeout=WAIT)


def math(page, lang: str) -> None:
    """The context plot's PNG; another model on the real-model tab; the √dₖ slider."""
    plotly_png(page, page.locator('[data-testid="stPlotlyChart"]').first)

    page.get_by_role("tab", name=t("math.tab_model", lang=lang)).click()
    expect(page.get_by_text(t("math.query_bahdanau", lang=lang))).to_be_visible(timeout=WAIT)
    pick(page, t("math.model_label", lang=lang), f"date-dot · {t('math.kind_dot', lang=lang)}")
    expect(page.get_by_text(t("math.query_luong", lang=lang))).to_be_visible(timeout=WAIT)

    page.get_by_role("tab", name=t("math.tab_scale", lang=lang)).click()
    metric = page.locator('[data-testid="stMetricValue"]:visible').first
    before = metric.inner_text()
    press(page, t("math.dk_label", lang=lang), "ArrowLeft", 2)
    expect(metric).not_to_have_text(before, timeout=WAIT)


def transformer(page, lang: str) -> None:
    """Type a date; choose a layer and a head; the heads grid; the map's PNG."""
    box = page.get_by_label(t("text.input_label", lang=lang))
    box.fill("2/10/93")
    with rerun(page):
        box.press("Enter")
    expect(page.get_by_test_id("al-output").first).to_have_text("1993-02-10", timeout=WAIT)
    pick(page, t("tf.layer", lang=lang), "1")
    pick(page, t("tf.head", lang=lang), "2")
    title = t(
        "tf.map_title", lang=lang, kind=t("tf.kind_cross", lang=lang), layer=1, head=t("tf.head_n", lang=lang, n=2)
    )
    wait_for_charts(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart.locator(".gtitle")).to_have_text(title, timeout=WAIT)
    plotly_png(page, chart)
    with rerun(page):  # only the open tab runs: opening the grid draws it
        page.get_by_role("tab", name=t("tf.tab_grid", lang=lang)).click()
    wait_for_charts(page)
    expect(page.locator(".st-key-tf_grid .heatmaplayer").first).to_be_visible(timeout=WAIT)


def image(page, lang: str) -> None:
    """Pick another gallery picture; slide through its words (and play); the overlay grid PNG and maps JSON."""
    with rerun(page):
        page.get_by_role("button", name=t("image.use", lang=lang)).first.click()
    expect(page.get_by_role("button", name=t("image.chosen", lang=lang))).to_have_count(1, timeout=WAIT)
    caption = page.get_by_test_id("al-caption").first
    expect(caption).to_be_visible(timeout=WAIT)

    slider = page.get_by_role("slider", name=t("image.word_slider", lang=lang))
    words = int(slider.get_attribute("max")) + 1
    press(page, t("image.word_slider", lang=lang), "End")
    last = slider.get_attribute("aria-valuetext").split(" · ", 1)[1]
    expect(page.get_by_role("heading", name=f"“{last}”")).to_be_visible(timeout=WAIT)
    press(page, t("image.word_slider", lang=lang), "Home")
    first = slider.get_attribute("aria-valuetext").split(" · ", 1)[1]
    expect(page.get_by_role("heading", name=f"“{first}”")).to_be_visible(timeout=WAIT)
    if lang == "en":  # play shows every word in turn (0.8 s each); once is enough
        with rerun(page):
            page.get_by_role("button", name=t("text.play", lang=lang)).click()
            shows_while_playing(page, f"“{last}”")
        expect(page.get_by_role("heading", name=f"“{first}”")).to_be_visible(timeout=WAIT)

    page.get_by_role("tab", name=t("image.tab_grid", lang=lang)).click()
    name, data = download_button(page, t("image.download_png", lang=lang))
    assert name == "attention-grid.png"
    sheet = parse_png(data)
    assert sheet.width == 5 * 192 and sheet.height >= 192  # five panels of 192 px a row
    name, data = download_button(page, t("image.download_json", lang=lang))
    maps = json.loads(data)
    assert name == "attention-maps.json" and maps["model"] == "caption-shapes"
    assert len(maps["words"]) == words == len(maps["weights"])
    for word_map in maps["weights"]:
        assert len(word_map) == maps["grid"][0] and sum(map(sum, word_map)) == pytest.approx(1.0, abs=1e-3)


def experiments(page, lang: str) -> None:
    """The accuracy metric; a random input of another length through both models."""
    metric = page.get_by_role("radiogroup", name=t("exp.metric_label", lang=lang))
    with rerun(page):
        metric.get_by_text(t("exp.metric_token", lang=lang), exact=True).click()  # the label: the input is hidden
    expect(page.get_by_role("radio", name=t("exp.metric_token", lang=lang))).to_be_checked(timeout=WAIT)
    press(page, t("exp.length_slider", lang=lang), "ArrowLeft", 5)
    length = int(page.get_by_role("slider", name=t("exp.length_slider", lang=lang)).input_value())
    with rerun(page):
        page.get_by_role("button", name=t("exp.generate", lang=lang)).click()
    heading = t("exp.truth", lang=lang, n=length, truth="").replace("`", "").strip()
    expect(page.get_by_text(heading)).to_be_visible(timeout=WAIT)
    typed = page.get_by_label(t("exp.input_label", lang=lang)).input_value()
    assert len(typed) == length
    expect(page.get_by_text(f"{heading} {typed[::-1]}")).to_be_visible(timeout=WAIT)  # the reverse task's answer
    right_count = re.escape(t("exp.right_count", lang=lang, right="RIGHT", n=length)).replace("RIGHT", r"\d+")
    expect(page.get_by_text(re.compile(right_count))).to_have_count(2, timeout=WAIT)  # one per model
    wait_for_charts(page)


INTERACTIONS = {f.__name__: f for f in (home, text, math, transformer, image, experiments)}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", list(PATHS))
def test_page_loads_in_its_language_and_its_main_interaction_works(page, name, lang):
    page.open(f"{PATHS[name]}?lang={lang}")
    last = t(LAST[name], lang=lang)[:40]
    expect(page.get_by_text(last).first).to_be_attached(timeout=WAIT)  # wait_until_idle may come too early
    page.wait_for_function(FIRST_RUN_OVER, timeout=WAIT)
    wait_for_charts(page)
    wait_until_drawn(page)
    check_page(page, name, lang)
    shoot(page, name, lang)

    INTERACTIONS[name](page, lang)
    shown_as = "text" if name == "home" else name  # the home page's link went to /text
    check_page(page, shown_as, lang)
    shoot(page, name, lang, "-after")
