"""Korean must render as Hangul, not as boxes, on a machine without a Korean font of its own.

The app serves its own Korean web font (Pretendard, static/fonts/, declared in .streamlit/config.toml).
For each page, in the browser:

1. the font's faces are declared and load (a wrong URL or a missing file leaves them in 'error');
2. the served font draws Hangul: a syllable drawn in it differs from the same syllable drawn by a
   font the page does not have (the browser's fallback: boxes here, or some system Korean font);
3. every Hangul character shown on the page (text, formulas, chart labels) is drawn by the served
   font: drawn on a canvas in the element's own font, it is pixel for pixel the same as drawn in
   the served font, and not the box the browser draws for a character no font has.

Check 3 does not depend on which fonts the machine has: a page that leaves the served font out of
some element's font list fails here even where a system Korean font would hide it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_for_charts, wait_until_drawn, wait_until_idle

FAMILY = "Pretendard"  # the `family` of the [[theme.fontFaces]] in .streamlit/config.toml

PROBE = """
async (family) => {
  await document.fonts.ready;
  const unquote = (s) => s.replace(/["']/g, '').trim();
  const served = [...document.fonts].filter((f) => unquote(f.family) === family);
  for (const weight of [400, 700]) {
    for (const fam of [family, 'KaTeX_Main']) {
      try { await document.fonts.load(`${weight} 32px "${fam}"`, '가'); } catch (e) { /* seen below */ }
    }
  }
  const faces = served.map((f) => `${f.weight} ${f.style}: ${f.status}`);
  const failed = [...document.fonts].filter((f) => f.status === 'error')
    .map((f) => `${unquote(f.family)} ${f.weight}`);

  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (font, text) => {
    ctx.font = font;  // set before sizing: a resize resets the context
    const size = parseFloat(ctx.font.match(/([\\d.]+)px/)?.[1] || 32);
    const w = Math.ceil(size * 2.2), h = Math.ceil(size * 2);
    canvas.width = w; canvas.height = h;
    // On the alphabetic baseline: where a glyph lands then depends on the glyph's own font only,
    // not on the metrics of the first font of the list.
    ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'alphabetic';
    ctx.fillText(text, size * 0.1, h * 0.7);
    const alpha = ctx.getImageData(0, 0, w, h).data.filter((_, i) => i % 4 === 3);
    return {ink: alpha.reduce((a, b) => a + b, 0), key: alpha.join(',')};
  };
  const TOFU = String.fromCodePoint(0x10FFFD);  // a private-use character that no font has

  const own = draw(`400 32px "${family}"`, '가');
  const sample = {
    ink: own.ink,
    differsFromFallback: own.key !== draw('400 32px "al-no-such-font"', '가').key,
    differsFromBox: own.key !== draw(`400 32px "${family}"`, TOFU).key,
  };

  // Every visible Hangul character on the page, with the font of the element that shows it.
  const hangul = /[\\u1100-\\u11ff\\u3130-\\u318f\\uac00-\\ud7a3]/g;
  const seen = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let nodes = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const chars = node.data.match(hangul);
    const el = node.parentElement;
    // KaTeX's MathML copy is for screen readers, clipped to a pixel: only its HTML is seen.
    if (!chars || !el || el.closest('script, style, noscript, title, .katex-mathml')) continue;
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    nodes += 1;
    const shape = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize}`;
    const where = (el.closest('[data-testid]')?.getAttribute('data-testid') || el.tagName)
      + ' "' + node.data.trim().slice(0, 30) + '"';
    for (const ch of chars) {
      const k = `${shape}|${cs.fontFamily}|${ch}`;
      if (!seen.has(k)) seen.set(k, {shape, family: cs.fontFamily, ch, where});
    }
  }
  const notServed = [], boxes = [];
  for (const {shape, family: stack, ch, where} of [...seen.values()].slice(0, 4000)) {
    const shown = draw(`${shape} ${stack}`, ch);
    if (shown.ink === 0 || shown.key === draw(`${shape} ${stack}`, TOFU).key) {
      boxes.push(`${ch} in ${where} (${shape} ${stack})`);
    } else if (shown.key !== draw(`${shape} "${family}"`, ch).key) {
      notServed.push(`${ch} in ${where} (${shape} ${stack})`);
    }
  }
  return {faces, failed, sample, nodes, checked: seen.size, notServed, boxes};
}
"""

# Altair charts draw SVG text once Vega has loaded, which can be after the script run ends.
VEGA_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(el => el.offsetParent !== null).every(el => el.querySelector('svg text, canvas'))"""
TEXT_AND_FONT = "els => els.map(e => [e.textContent, getComputedStyle(e).fontFamily])"


def check_hangul(page) -> dict:
    page.evaluate("document.fonts.ready")
    result = page.evaluate(PROBE, FAMILY)
    assert result["faces"], f"no @font-face for {FAMILY}: is [[theme.fontFaces]] in .streamlit/config.toml?"
    assert all(f.endswith(": loaded") for f in result["faces"]), f"{FAMILY} did not load: {result['faces']}"
    assert not result["failed"], f"web fonts that failed to load: {result['failed']}"
    sample = result["sample"]
    assert sample["ink"] > 0 and sample["differsFromBox"], f"{FAMILY} draws '가' as a box or as nothing"
    assert sample["differsFromFallback"], f"'가' in {FAMILY} looks like the browser's fallback: not served"
    assert result["nodes"] > 0, "no Korean text on the page: is the interface in Korean?"
    assert not result["boxes"], "Hangul drawn as boxes:\n" + "\n".join(result["boxes"][:20])
    assert not result["notServed"], f"Hangul not drawn in {FAMILY}:\n" + "\n".join(result["notServed"][:20])
    return result


@pytest.mark.parametrize("path", ["/", "/text", "/math", "/transformer", "/image", "/experiments"])
def test_korean_pages_draw_hangul_in_the_served_font(page, path):
    page.open(f"{path}?lang=ko")
    wait_for_charts(page)
    wait_until_drawn(page)
    page.wait_for_function(VEGA_DRAWN)
    assert_no_exception(page)
    result = check_hangul(page)
    assert result["checked"] > 20, result


def test_korean_translation_output_and_heatmap_labels(page):
    """The large output and the heatmap's token labels use the monospace stack (MONO_FAMILY)."""
    page.open("/text?lang=ko")
    page.get_by_role("radio", name="영어 → 한국어").click()
    wait_until_idle(page)
    expect(page.get_by_test_id("al-output")).to_contain_text(re.compile("[가-힣]"), timeout=60_000)
    wait_until_idle(page)
    wait_for_charts(page)
    check_hangul(page)
    out = page.get_by_test_id("al-output")
    assert FAMILY in out.evaluate("el => getComputedStyle(el).fontFamily")
    ticks = page.locator('[data-testid="stPlotlyChart"] .ytick text, [data-testid="stPlotlyChart"] .xtick text')
    korean_ticks = [f for text, f in ticks.evaluate_all(TEXT_AND_FONT) if re.search("[가-힣]", text)]
    assert korean_ticks, "no Korean token labels on the heatmap"
    assert all(FAMILY in f for f in korean_ticks), korean_ticks
