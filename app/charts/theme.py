"""One place for rendering settings: colours, fonts and sizes, tuned for a classroom projector."""

COLOR_SCALE = "Viridis"  # perceptually uniform, readable in greyscale and by colour-blind viewers
COLOR_SCALES = ["Viridis", "Magma", "Cividis", "Blues", "Greys"]
# Pretendard is the app's own Korean web font (static/fonts/, .streamlit/config.toml): it covers only
# Hangul and a few symbols, so Latin text falls through to Streamlit's Source Sans / Source Code Pro.
FONT_FAMILY = "Pretendard, Source Sans, Noto Sans KR, sans-serif"
MONO_FAMILY = "Pretendard, Source Code Pro, Noto Sans Mono CJK KR, monospace"
FONT_SIZE = 16
TICK_FONT_SIZE = 18  # token labels on heatmap axes
TITLE_FONT_SIZE = 20
CELL_PX = 34  # height of one heatmap row, in pixels, at full size
ACCENT = "#1a56db"  # the app theme's primary colour
SPACE = "␣"  # how a space token is shown on an axis


def show_token(token: str) -> str:
    """A token as an axis label: spaces become ␣, so that every column has something to read."""
    return token.replace(" ", SPACE) if token.strip() == "" or " " in token else token


def png_config(filename: str) -> dict:
    """Plotly's chart config: a PNG download at twice the screen size, and a quiet toolbar."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }
