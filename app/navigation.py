"""The one list of pages: the sidebar navigation and the home page's map are both built from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "pages"
# The browser tab's icon, served from the app: an emoji would be a box without an emoji font, and a
# ":material/...:" favicon is fetched from Google, which a classroom server offline cannot reach.
ICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"


@dataclass(frozen=True)
class PageSpec:
    """One page: its script in app/pages (``<name>.py``, or ``<name>/page.py`` for a page with one module per
    tab), its URL path, icon and sidebar section.

    Its title is ``t("nav.<name>")`` and its one-line summary ``t("nav.<name>_about")``.
    """

    name: str
    url_path: str  # "" is the home page, served at /
    icon: str
    section: str  # t("nav.section_<section>")

    @property
    def file(self) -> Path:
        """The page's script: ``pages/<name>.py``, or ``pages/<name>/page.py`` when the page is a package."""
        package = PAGES_DIR / self.name / "page.py"
        return package if package.is_file() else PAGES_DIR / f"{self.name}.py"

    @property
    def exists(self) -> bool:
        return self.file.is_file()


PAGES: list[PageSpec] = [
    PageSpec("home", "", ":material/home:", "start"),
    PageSpec("classroom", "class", ":material/groups:", "start"),
    PageSpec("text", "text", ":material/translate:", "text"),
    PageSpec("classify", "classify", ":material/reviews:", "text"),
    PageSpec("math", "math", ":material/function:", "text"),
    PageSpec("transformer", "transformer", ":material/hub:", "text"),
    PageSpec("image", "image", ":material/image_search:", "vision"),
    PageSpec("experiments", "experiments", ":material/science:", "experiments"),
    PageSpec("memory", "memory", ":material/memory:", "experiments"),
]


def available() -> list[PageSpec]:
    """The pages that exist in this build, in menu order."""
    return [p for p in PAGES if p.exists]
