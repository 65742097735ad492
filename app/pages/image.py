"""/image: a CNN + LSTM captioner writes a caption, and for every word we see where in the image it looked."""

import io
import time

import numpy as np
import streamlit as st
from PIL import Image

from app import links, services, share
from app.charts import heatmap, overlay, theme
from app.i18n import current_language, t
from models.results import VisualAttention

st.title(t("image.title"))
st.write(t("image.intro"))
lang = current_language()  # format_func may run after the script (AppTest): fix the language now

SOURCES = ["gallery", "builder", "upload", "camera"]
BUILDER_DEFAULTS = [  # shape, colour, size, x, y of the builder's first four objects
    ("circle", "red", "small", 0.18, 0.5),
    ("square", "blue", "large", 0.45, 0.35),
    ("triangle", "green", "small", 0.7, 0.7),
    ("star", "yellow", "large", 0.85, 0.3),
]


# ----------------------------------------------------------------------------- the picture


def gallery_scene() -> services.Scene:
    """Six generated scenes side by side, each with a button; the chosen one."""
    gallery = services.gallery_scenes()
    st.session_state.setdefault("image_pick", 0)
    chosen = st.session_state["image_pick"]
    for i, (column, candidate) in enumerate(zip(st.columns(len(gallery)), gallery, strict=True)):
        with column:
            st.image(services.render_scene(candidate), width="stretch")
            st.button(
                t("image.use") if i != chosen else t("image.chosen"),
                key=f"image_pick_{i}",
                on_click=lambda i=i: st.session_state.update(image_pick=i),
                type="primary" if i == chosen else "secondary",
                width="stretch",
            )
    return gallery[chosen]


def builder_object(k: int) -> dict:
    """One row of the builder: the shape, colour, size, place and rotation of object ``k``."""
    shape0, colour0, size0, x0, y0 = BUILDER_DEFAULTS[k]
    c = st.columns([1.2, 1.2, 1, 2, 2, 1.5], vertical_alignment="bottom")
    shapes, colours, sizes = services.SHAPES, services.COLOURS, services.SIZES
    return {
        "shape": c[0].selectbox(t("image.b_shape"), shapes, shapes.index(shape0), key=f"b_s{k}"),
        "colour": c[1].selectbox(t("image.b_colour"), colours, colours.index(colour0), key=f"b_c{k}"),
        "size": c[2].selectbox(t("image.b_size"), sizes, sizes.index(size0), key=f"b_z{k}"),
        "x": c[3].slider(t("image.b_x"), 0.05, 0.95, x0, 0.01, key=f"b_x{k}"),
        "y": c[4].slider(t("image.b_y"), 0.05, 0.95, y0, 0.01, key=f"b_y{k}"),
        "rotation": c[5].slider(t("image.b_rotation"), 0, 359, 0, 5, key=f"b_r{k}"),
    }


def built_scene() -> services.Scene:
    """A scene the student builds object by object; an impossible one is a message and the page stops."""
    st.caption(t("image.builder_help"))
    count = st.slider(t("image.builder_count"), 1, services.MAX_OBJECTS, 3, key="image_b_count")
    objects = [builder_object(k) for k in range(count)]
    c1, c2 = st.columns(2)
    background = c1.selectbox(
        t("image.b_background"),
        services.BACKGROUNDS,
        key="image_b_bg",
        format_func=lambda b: t(f"image.bg_{b}", lang=lang),
    )
    noise = c2.slider(t("image.b_noise"), 0.0, 8.0, 2.0, 0.5, key="image_b_noise")
    try:
        scene = services.make_scene(objects, background=background, noise=noise, seed=7)
    except ValueError as err:
        st.error(t("image.builder_invalid", detail=str(err)))
        st.stop()
    if len({round(o["x"], 2) for o in objects}) < len(objects):
        st.warning(t("image.builder_same_x"))
    return scene


def own_picture(source: str) -> Image.Image:
    """An uploaded file or a camera shot, read and checked; without one, a prompt and the page stops."""
    if source == "upload":
        given = st.file_uploader(
            t("image.upload_label"),
            type=["png", "jpg", "jpeg", "webp", "bmp", "gif"],
            key="image_upload",
            help=t("image.upload_help", limit=services.MAX_IMAGE_BYTES // 2**20),
        )
    else:
        given = st.camera_input(t("image.camera_label"), key="image_camera")
    if given is None:
        st.info(t(f"image.{source}_prompt"))
        st.stop()
    return services.require_image(given.getvalue())


# ----------------------------------------------------------------------------- the caption


def map_stats(best: VisualAttention, i: int) -> str:
    """Peak weight and entropy of word ``i``'s map (and its β gate)."""
    w = best.weights[i]
    gate = f" · β\u00a0{best.gates[i]:.2f}" if best.gates is not None else ""
    return t("image.map_stats", peak=float(w.max()), entropy=heatmap.entropy(w.ravel())) + gate


def caption_summary(best: VisualAttention, scene: services.Scene | None, hits: list | None) -> None:
    """The caption as chips, and for a generated scene whether it is right and how many words looked right."""
    st.markdown(overlay.word_chips_html(best.words, hits=hits), unsafe_allow_html=True)
    if scene is None:
        return
    if " ".join(best.words) == scene.caption:
        st.success(t("image.caption_right"))
    else:
        st.warning(t("image.caption_wrong", truth=scene.caption))
    scored = [h for h in (hits or []) if h is not None]
    if scored:
        st.caption(t("image.hits_summary", hit=sum(scored), n=len(scored)))


def one_word(best: VisualAttention, i: int, hits: list | None, cmap: str, opacity: float, slots) -> None:
    """Word ``i``'s map over the picture, large, with its chips, numbers and the colour scale beside it."""
    big_slot, side_slot = slots
    vmax = float(best.weights.max())
    big = overlay.attention_overlay(best.image, best.weights[i], vmax, cmap, opacity, scale=4)
    big_slot.image(big, width="stretch")
    with side_slot.container():
        st.markdown(overlay.word_chips_html(best.words, active=i, hits=hits), unsafe_allow_html=True)
        st.markdown(f"### “{best.words[i]}”")
        st.markdown(map_stats(best, i))
        if hits is not None and hits[i] is not None:
            st.markdown(t("image.hit") if hits[i] else t("image.miss"))
        st.markdown(overlay.colorbar_html(cmap, vmax), unsafe_allow_html=True)
        st.caption(t("image.scale_note"))


def word_view(best: VisualAttention, hits: list | None, cmap: str, opacity: float) -> None:
    """A word slider (starting at the first object word) and a play button; the chosen word's map."""
    controls, play = st.columns([5, 1], vertical_alignment="bottom")
    n_words = len(best.words)
    index = 0
    if n_words > 1:
        named = [i for i, h in enumerate(hits or []) if h is not None]
        index = controls.select_slider(
            t("image.word_slider"),
            options=list(range(n_words)),
            value=named[0] if named else min(1, n_words - 1),
            format_func=lambda i: f"{i + 1} · {best.words[i]}",
            key="image_word",
        )
    playing = play.button(t("text.play"), key="image_play", icon=":material/play_arrow:", width="stretch")
    left, right = st.columns([3, 2], gap="large")
    slots = (left.empty(), right.empty())
    if playing:
        for i in range(n_words):
            one_word(best, i, hits, cmap, opacity, slots)
            time.sleep(0.8)
    one_word(best, index, hits, cmap, opacity, slots)


def grid_view(best: VisualAttention, name: str, cmap: str, opacity: float) -> None:
    """Every word's map, five to a row, and the sheet and the numbers to download."""
    vmax = float(best.weights.max())
    per_row = 5
    for start in range(0, len(best.words), per_row):
        for column, i in zip(st.columns(per_row), range(start, min(start + per_row, len(best.words))), strict=False):
            panel = overlay.attention_overlay(best.image, best.weights[i], vmax, cmap, opacity, scale=2)
            column.image(panel, caption=f"{best.words[i]} · {map_stats(best, i)}", width="stretch")
    st.markdown(overlay.colorbar_html(cmap, vmax), unsafe_allow_html=True)

    def sheet() -> bytes:  # made when clicked: encoding the sheet cost more than the rest of the page
        buffer = io.BytesIO()
        overlay.overlay_grid(best, cmap, opacity).save(buffer, format="PNG")
        return buffer.getvalue()

    d1, d2, _ = st.columns([1.3, 1.3, 2])
    d1.download_button(
        t("image.download_png"),
        sheet,
        "attention-grid.png",
        "image/png",
        key="image_dl_png",
        icon=":material/image:",
    )
    d2.download_button(
        t("image.download_json"),
        lambda: overlay.maps_json(best, model=name),
        "attention-maps.json",
        "application/json",
        key="image_dl_json",
        icon=":material/data_object:",
    )


def beams_view(beams: list[VisualAttention], beam_width: int) -> None:
    """The beam's captions with their scores."""
    if beam_width == 1:
        st.info(t("text.beams_hint"))
    rows = [
        {
            t("text.beam_rank"): i + 1,
            t("image.beam_caption"): " ".join(b.words),
            t("text.beam_logprob"): round(b.score, 3),
            t("text.beam_normalised"): round(b.score / (len(b.words) + 1), 3),
        }
        for i, b in enumerate(beams)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def numbers_view(best: VisualAttention, hits: list | None) -> None:
    """Per word: its peak weight, where it is, the entropy, β and whether it hit its object; the model's input."""
    st.markdown(t("image.numbers_intro", h=best.weights.shape[1], w=best.weights.shape[2], size=best.image.width))
    rows = []
    for i, w in enumerate(best.words):
        m = best.weights[i]
        y, x = np.unravel_index(int(np.argmax(m)), m.shape)
        rows.append(
            {
                "#": i + 1,
                t("image.col_word"): w,
                t("image.col_peak"): round(float(m.max()), 4),
                t("image.col_where"): f"({y}, {x})",
                t("image.col_entropy"): round(heatmap.entropy(m.ravel()), 3),
                "β": None if best.gates is None else round(float(best.gates[i]), 3),
                t("image.col_hit"): None if hits is None or hits[i] is None else ("✓" if hits[i] else "✗"),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.image(
        best.image.resize((best.image.width * 2, best.image.height * 2)),
        caption=t("image.as_seen"),
        width=theme.CELL_PX * 8,
    )


# ----------------------------------------------------------------------------- the page

entries = services.model_catalog("caption") + services.model_catalog("caption-photos")
if not entries:
    st.error(t("errors.no_models", task="caption"))
    st.stop()
titles = {e.name: e.card.get("title", e.name) for e in entries}
link = links.Link("image", share.image_fields(tuple(titles), len(services.gallery_scenes())))
given = link.incoming()  # a shared link: the model, the gallery picture, the word, the beam width
if "model" in given:
    st.session_state["image_model"] = given["model"]
if "pick" in given:
    st.session_state["image_source"], st.session_state["image_pick"] = "gallery", given["pick"] - 1
for field, key, shift in (("word", "image_word", 1), ("beam", "image_beam", 0)):
    if field in given:
        st.session_state[key] = given[field] - shift
share_slot = st.columns([3, 1])[1].empty()  # the copy-link control

top_left, top_right = st.columns([3, 2], gap="large", vertical_alignment="bottom")
source = top_left.segmented_control(
    t("image.source_label"),
    SOURCES,
    default="gallery",
    required=True,
    key="image_source",
    format_func=lambda s: t(f"image.source_{s}", lang=lang),
)
name = top_right.selectbox(t("image.model_label"), list(titles), key="image_model", format_func=titles.get)
task = next(e.task for e in entries if e.name == name)
if task == "caption":
    st.info(t("image.shapes_notice"), icon=":material/category:")
else:
    st.caption(t("image.photo_model_note"))

scene = gallery_scene() if source == "gallery" else built_scene() if source == "builder" else None
image = services.render_scene(scene) if scene is not None else own_picture(source)
if task == "caption" and scene is None:
    st.warning(t("image.photo_on_shapes_model"))

c1, c2, c3 = st.columns(3)
beam_width = c1.slider(t("image.beam_label"), 1, 10, 3, key="image_beam", help=t("image.beam_help"))
cmap = c2.selectbox(t("image.cmap_label"), overlay.COLOR_MAPS, key="image_cmap")
opacity = c3.slider(t("image.opacity_label"), 0.1, 1.0, 0.65, 0.05, key="image_opacity")
link.keep(model=name, pick=st.session_state.get("image_pick", 0) + 1 if source == "gallery" else None, beam=beam_width)
link.share_button(share_slot)

services.require_model(name)
with st.spinner(t("image.thinking")):
    beams = services.caption_image(name, image, beam_width)
best = beams[0]
if not best.words:
    st.warning(t("image.no_words"))
    st.stop()

hits = services.word_hits(best, scene) if scene is not None and task == "caption" else None
if "image_word" in st.session_state and st.session_state["image_word"] not in range(len(best.words)):
    links.ignored_notice(["word"] if "word" in given else [])
    del st.session_state["image_word"]
caption_summary(best, scene, hits)
tab_word, tab_grid, tab_beams, tab_numbers = st.tabs(
    [t("image.tab_word"), t("image.tab_grid"), t("image.tab_beams"), t("image.tab_numbers")]
)
with tab_word:
    word_view(best, hits, cmap, opacity)
    word = st.session_state.get("image_word")
    link.keep(word=None if word is None else word + 1)
    link.share_button(share_slot)
with tab_grid:
    grid_view(best, name, cmap, opacity)
with tab_beams:
    beams_view(beams, beam_width)
with tab_numbers:
    numbers_view(best, hits)

with st.expander(t("image.how_title"), icon=":material/help:"):
    st.markdown(t("image.how_body"))
with st.expander(t("image.own_model_title"), icon=":material/folder_open:"):
    st.markdown(t("image.own_model_body"))
