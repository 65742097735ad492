"""/image: the picture to caption — a gallery (generated scenes for the shapes world, shipped photos for a photo
model), the scene builder (shapes world only), an upload or the camera."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from PIL import Image

from app import services
from app.charts import overlay
from app.i18n import current_language, t

BUILDER_DEFAULTS = [  # shape, colour, size, x, y of the builder's first four objects
    ("circle", "red", "small", 0.18, 0.5),
    ("square", "blue", "large", 0.45, 0.35),
    ("triangle", "green", "small", 0.7, 0.7),
    ("star", "yellow", "large", 0.85, 0.3),
]


@dataclass(frozen=True)
class Picture:
    """What the page captions: the image, and what is known about it (a scene's truth, a person's caption)."""

    image: Image.Image
    scene: services.Scene | None = None  # a shapes-world scene: its objects and true caption
    photo: services.GalleryPhoto | None = None  # a shipped photo: its class and a person's caption


def sources(task: str, has_photos: bool) -> list[str]:
    """Where a picture may come from for a model of ``task``."""
    if task == "caption":
        return ["gallery", "builder", "upload", "camera"]
    return (["gallery"] if has_photos else []) + ["upload", "camera"]


def _pick_button(key: str, i: int, chosen: int) -> None:
    st.button(
        t("image.use") if i != chosen else t("image.chosen"),
        key=f"{key}_{i}",
        on_click=lambda i=i: st.session_state.update({key: i}),
        type="primary" if i == chosen else "secondary",
        width="stretch",
    )


def gallery_scene() -> Picture:
    """Six generated scenes side by side, each with a button; the chosen one."""
    gallery = services.gallery_scenes()
    st.session_state.setdefault("image_pick", 0)
    chosen = min(st.session_state["image_pick"], len(gallery) - 1)
    for i, (column, candidate) in enumerate(zip(st.columns(len(gallery)), gallery, strict=True)):
        with column:
            st.image(services.render_scene(candidate), width="stretch")
            _pick_button("image_pick", i, chosen)
    scene = gallery[chosen]
    return Picture(services.render_scene(scene), scene=scene)


def gallery_photo(photos: list[services.GalleryPhoto]) -> Picture:
    """The model's shipped photos as one strip (the chosen one framed) and their names to pick from."""
    chosen = min(st.session_state.get("image_pick", 0), len(photos) - 1)
    for i, (column, photo) in enumerate(zip(st.columns(len(photos)), photos, strict=True)):
        thumb = services.gallery_image(photo.path)
        column.image(overlay.framed(thumb) if i == chosen else thumb, width="stretch")
    if st.session_state.get("image_photo") != chosen:
        st.session_state["image_photo"] = chosen

    def picked() -> None:  # clicking the chosen name again leaves the choice as it is
        if st.session_state.get("image_photo") is not None:
            st.session_state["image_pick"] = st.session_state["image_photo"]

    st.pills(
        t("image.photo_label"),
        list(range(len(photos))),
        key="image_photo",
        format_func=lambda i: photos[i].label,
        on_change=picked,
        label_visibility="collapsed",
    )
    photo = photos[chosen]
    return Picture(services.gallery_image(photo.path), photo=photo)


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


def built_scene() -> Picture:
    """A scene the student builds object by object; an impossible one is a message and the page stops."""
    lang = current_language()  # format_func may run after the script (AppTest): fix the language now
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
    return Picture(services.render_scene(scene), scene=scene)


ROUTE_KEY = "image_route"  # (the picture's key, services.Route) of the last upload or camera shot


def route_new_picture(widget_key: str) -> None:
    """A new upload or camera shot goes to the captioner whose training pictures it resembles (the model menu
    follows; the student may switch back). Runs before the page does, so the menu can still change."""
    given = st.session_state.get(widget_key)
    image, _ = services.read_image(given.getvalue()) if given is not None else (None, None)
    if image is None:  # nothing, or a file the page will explain
        st.session_state.pop(ROUTE_KEY, None)
        return
    route = services.route_picture(image)
    st.session_state["image_model"] = route.name
    st.session_state[ROUTE_KEY] = (services.image_key(image), route)


def route_of(image) -> services.Route | None:
    """The route taken for this very picture (None for a gallery photo or a scene)."""
    kept = st.session_state.get(ROUTE_KEY)
    return kept[1] if kept is not None and kept[0] == services.image_key(image) else None


def own_picture(source: str) -> Picture:
    """An uploaded file or a camera shot, read and checked; without one, a prompt and the page stops."""
    if source == "upload":
        given = st.file_uploader(
            t("image.upload_label"),
            type=["png", "jpg", "jpeg", "webp", "bmp", "gif"],
            key="image_upload",
            help=t("image.upload_help", limit=services.MAX_IMAGE_BYTES // 2**20),
            on_change=route_new_picture,
            args=("image_upload",),
        )
    else:
        given = st.camera_input(
            t("image.camera_label"), key="image_camera", on_change=route_new_picture, args=("image_camera",)
        )
    if given is None:
        st.info(t(f"image.{source}_prompt"))
        st.stop()
    return Picture(services.require_image(given.getvalue()))


def picture(source: str, photos: list[services.GalleryPhoto]) -> Picture:
    """The picture from the chosen source."""
    if source == "gallery":
        return gallery_photo(photos) if photos else gallery_scene()
    return built_scene() if source == "builder" else own_picture(source)
