"""Security (issue 8): no user text is rendered as HTML, nothing a user provides is unpickled, the upload cap
is set, and only the picture formats the upload picker names are opened.

HTML: the source of app/ and streamlit_app.py is scanned for every place that renders HTML: a call with
``unsafe_allow_html`` not False (``st.markdown(body, True)`` too), ``st.html(...)``, ``components.html(...)``.
Wherever it is and whatever the function around it is called, every dynamic piece of what it renders must be a
constant, a number, ``html.escape(...)``, a string of our locale files filled with such pieces, or what one of
HTML_BUILDERS returns; each builder is checked by behaviour below (the text given to it comes out escaped). A
sink the scan cannot follow (``render = st.html``, ``**{"unsafe_allow_html": True}``) fails on its own.
Related: test_no_pickle.py (torch.load is weights-only, no pickle imports anywhere); test_bad_input.py (a
pickle disguised as a checkpoint is refused without running it; wrong-shape tensors raise CheckpointError).
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from app import services
from models import registry
from models.results import Alignment
from testkit.pictures import encode

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "app").rglob("*.py")), ROOT / "streamlit_app.py"]

# Functions that build HTML from text they are given, and escape it (checked by behaviour: BUILT below); for
# each, the arguments that are NOT escaped inside and so must be safe at the call site: (position, name).
HTML_BUILDERS = {
    "word_chips_html": [],
    "tinted_tokens_html": [],
    "diff_html": [],
    "colorbar_html": [(2, "label")],
    "gauge_html": [],
    "tinted_words_html": [],
    "legend_html": [],
}
ESCAPERS = {"html.escape"}
NUMERIC_CALLS = {"float", "int", "len", "round", "abs", "min", "max", "sum", "heatmap.entropy", "st.slider"}
NUMERIC_FORMAT = re.compile(r"^[^a-zA-Z]*[bcdeEfFgGnoxX%]$")
FLAG_SECOND = {"markdown", "caption"}  # st.markdown(body, unsafe_allow_html, ...): the flag may come second
RENDERED_KEYWORDS = {"body", "html"}  # st.markdown(body=...), st.html(body=...), components.html(html=...)


# ----------------------------------------------------------------------------------------------- the scan


def dotted(node: ast.AST) -> str:
    """``html.escape`` for the function of a call, '' when it is not a plain dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def renders_html(call: ast.Call) -> bool:
    """``st.markdown(..., unsafe_allow_html=<anything but False>)`` (or the flag second), ``st.html(...)``,
    ``components.html(...)``: any ``<x>.html(...)`` but the ``html`` module's own functions."""
    for keyword in call.keywords:
        if keyword.arg == "unsafe_allow_html":
            return not is_false(keyword.value)
    if not isinstance(call.func, ast.Attribute):
        return False
    if call.func.attr in FLAG_SECOND and len(call.args) > 1:
        return not is_false(call.args[1])
    return call.func.attr == "html" and dotted(call.func.value) != "html"


@dataclass
class Site:
    file: str
    function: str
    call: ast.Call
    scopes: list[ast.AST]  # innermost first, the module last

    @property
    def id(self) -> str:
        return f"{self.file}:{self.call.lineno}:{self.function}"

    def rendered(self) -> list[ast.AST]:
        """The arguments that become HTML: the body (all positional arguments of ``st.write``)."""
        call = self.call
        positional = (
            call.args[:1] if isinstance(call.func, ast.Attribute) and call.func.attr in FLAG_SECOND else call.args
        )
        return [*positional, *(k.value for k in call.keywords if k.arg in RENDERED_KEYWORDS)]


def find_sites(tree: ast.Module, file: str) -> list[Site]:
    sites = []

    def visit(node: ast.AST, scopes: list[ast.AST], names: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, [child, *scopes], [*names, child.name])
                continue
            if isinstance(child, ast.Call) and renders_html(child):
                sites.append(Site(file, names[-1] if names else "<module>", child, scopes))
            visit(child, scopes, names)

    visit(tree, [tree], [])
    return sites


def parsed() -> list[tuple[str, str, ast.Module]]:
    """(path from the root, source, tree) of every scanned file."""
    found = []
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        found.append((path.relative_to(ROOT).as_posix(), source, ast.parse(source)))
    return found


def hidden_sinks(source: str, tree: ast.Module, file: str) -> list[str]:
    """HTML rendering the scan could not follow: ``unsafe_allow_html`` other than as a call's keyword (a dict
    key, a ``**`` expansion), ``st.html`` or ``components.html`` used but not called (an alias), ``html``
    imported from streamlit, or ``**kwargs`` into a call that may render HTML."""
    keywords = {
        (k.lineno, k.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg
    }
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        named = token.type == tokenize.NAME and token.string == "unsafe_allow_html" and token.start not in keywords
        keyed = token.type == tokenize.STRING and token.string.strip("'\"") == "unsafe_allow_html"
        if named or keyed:
            found.append(f"{file}:{token.start[0]}: unsafe_allow_html outside a call's keyword")
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        where = f"{file}:{getattr(node, 'lineno', '?')}"
        alias = isinstance(node, ast.Attribute) and node.attr == "html" and id(node) not in called
        if alias and dotted(node.value) not in ("html", ""):
            found.append(f"{where}: `{ast.unparse(node)}` used without being called (an alias of a sink?)")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("streamlit"):
            found += [f"{where}: `html` imported from {node.module}" for a in node.names if a.name == "html"]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            sink = node.func.attr in (*FLAG_SECOND, "write", "html")
            if sink and any(k.arg is None for k in node.keywords):
                found.append(f"{where}: `**` into {ast.unparse(node.func)}(...): name unsafe_allow_html, if at all")
    return found


def own_nodes(scope: ast.AST):
    """The nodes of a scope, without descending into the functions and lambdas defined in it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


UNKNOWN = object()  # a binding whose value the checker cannot see: a parameter, a loop variable, an import...


def bindings(name: str, scopes: list[ast.AST]) -> list | None:
    """The values ``name`` is assigned in the innermost scope that binds it (UNKNOWN for a parameter, a loop,
    ``with`` or unpacking target, an augmented assignment or an import), or None if no scope binds it."""
    for scope in scopes:
        found: list = []
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = scope.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            found += [UNKNOWN for a in params if a is not None and a.arg == name]
        for node in own_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        found.append(node.value)
                    elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                        found.append(UNKNOWN)
            elif isinstance(node, ast.AnnAssign) and dotted(node.target) == name:
                found.append(UNKNOWN if node.value is None else node.value)
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr)):
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                    found.append(UNKNOWN)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.optional_vars)):
                    found.append(UNKNOWN)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found += [UNKNOWN for alias in node.names if (alias.asname or alias.name.split(".")[0]) == name]
        if found:
            return found
    return None


def unsafe_parts(node: ast.AST, scopes: list[ast.AST], seen: frozenset[str] = frozenset()) -> list[ast.AST]:
    """The sub-expressions of ``node`` that may carry text nobody escaped (empty: safe to render as HTML)."""

    def check(child: ast.AST) -> list[ast.AST]:
        return unsafe_parts(child, scopes, seen)

    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        return [bad for value in node.values for bad in check(value)]
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        constant = spec is not None and all(isinstance(v, ast.Constant) for v in spec.values)
        if constant and NUMERIC_FORMAT.match("".join(str(v.value) for v in spec.values)):
            return []  # "{x:.3f}" only formats numbers
        return check(node.value)
    if isinstance(node, ast.IfExp):
        return check(node.body) + check(node.orelse)
    if isinstance(node, ast.BinOp):
        for side in (node.left, node.right):  # text + 1 would raise: with a number on one side, it is a number
            if isinstance(side, ast.Constant) and type(side.value) in (int, float):
                return []
        return check(node.left) + check(node.right)
    if isinstance(node, ast.Subscript):
        return check(node.value) and [node]  # a slice of escaped text is escaped text
    if isinstance(node, ast.Attribute):
        return [] if node.attr.isupper() else [node]  # theme.ACCENT: a module constant
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return check(node.elt)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [bad for element in node.elts for bad in check(element)]
    if isinstance(node, ast.Name):
        if node.id in seen:
            return [node]
        bound = bindings(node.id, scopes)
        if not bound or UNKNOWN in bound:
            return [node]
        return [bad for value in bound for bad in unsafe_parts(value, scopes, seen | {node.id})]
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        short = name.rsplit(".", 1)[-1]
        if name in ESCAPERS or name in NUMERIC_CALLS or name.startswith("np."):
            return []
        if name == "t":  # a string of our locale files; the values filled in must be safe
            return [bad for keyword in node.keywords if keyword.arg != "lang" for bad in check(keyword.value)]
        if short in HTML_BUILDERS:
            unsafe = []
            for position, keyword_name in HTML_BUILDERS[short]:
                if len(node.args) > position:
                    unsafe += check(node.args[position])
                unsafe += [bad for k in node.keywords if k.arg == keyword_name for bad in check(k.value)]
            return unsafe
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and isinstance(node.func.value, ast.Constant)
        ):
            return [bad for arg in node.args for bad in check(arg)]
        return [node]
    return [node]


def site_problems(site: Site) -> list[str]:
    rendered = site.rendered()
    if not rendered:
        return [f"{site.id}: nothing to check"]
    return [
        f"{site.file}:{bad.lineno}: `{ast.unparse(bad)}` is rendered as HTML unescaped; wrap it in html.escape()"
        for part in rendered
        for bad in unsafe_parts(part, site.scopes)
    ]


FILES = parsed()
SITES = [site for file, _, tree in FILES for site in find_sites(tree, file)]


# ----------------------------------------------------------------------------------------------- HTML tests


def test_the_scan_finds_every_html_site_a_text_search_finds():
    """The scan and a plain search of the text agree, so a scan that stopped seeing calls cannot pass quietly."""
    pattern = re.compile(r"unsafe_allow_html\s*=\s*True|\bst\.html\(|\bcomponents(\.v1)?\.html\(")
    spans = {(s.file, line) for s in SITES for line in range(s.call.lineno, s.call.end_lineno + 1)}
    searched = {
        (file, number)
        for file, source, _ in FILES
        for number, line in enumerate(source.splitlines(), 1)
        if pattern.search(line.split("#")[0])
    }
    assert searched, "no HTML rendering found at all: is SOURCES still the app's code?"
    assert sorted(searched - spans) == [], "the text search finds HTML rendering the scan misses"


@pytest.mark.parametrize("site", SITES, ids=[s.id for s in SITES])
def test_everything_rendered_as_html_is_escaped(site):
    assert site_problems(site) == []


def test_no_html_is_rendered_where_the_scan_cannot_follow():
    assert [problem for file, source, tree in FILES for problem in hidden_sinks(source, tree, file)] == []


def test_every_trusted_builder_is_one_function_of_the_app():
    """A builder is trusted by name: it must exist, once (a page's own ``diff_html`` would be trusted too)."""
    defined: dict[str, list[str]] = {}
    for file, _, tree in FILES:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HTML_BUILDERS:
                defined.setdefault(node.name, []).append(f"{file}:{node.lineno}")
    assert {name: len(places) for name, places in defined.items()} == dict.fromkeys(HTML_BUILDERS, 1), defined


def problems_in(source: str) -> list[str]:
    tree = ast.parse(source)
    return [p for site in find_sites(tree, "snippet.py") for p in site_problems(site)] + hidden_sinks(
        source, tree, "snippet.py"
    )


@pytest.mark.parametrize(
    "source",
    [
        'st.markdown(f"<b>{text}</b>", unsafe_allow_html=True)',
        'st.markdown("<b>" + text + "</b>", unsafe_allow_html=True)',
        'shown = text.strip()\nst.markdown(f"<b>{shown}</b>", unsafe_allow_html=True)',
        'def f(word):\n    st.markdown(t("a.b", token=word), unsafe_allow_html=True)',
        'st.markdown(overlay.colorbar_html("Blues", 1.0, label=name), unsafe_allow_html=True)',
        'st.markdown("".join(f"<i>{w}</i>" for w in words), unsafe_allow_html=True)',
        'for w in words:\n    st.markdown(f"<i>{w}</i>", unsafe_allow_html=True)',
        'st.html(f"<p>{text}</p>")',
        "st.html(body=text)",
        "st.markdown(text, unsafe_allow_html=flag)",
        "st.markdown(text, True)",
        "st.caption(body=text, unsafe_allow_html=True)",
        'st.write("<b>ok</b>", text, unsafe_allow_html=True)',
        "components.html(text, height=200)",
        'st.components.v1.html(f"<p>{text}</p>")',
        "components.html(html=text)",
        "def show(body):\n    st.markdown(body, unsafe_allow_html=True)",  # a helper: its callers are not followed
        'st.markdown(text, **{"unsafe_allow_html": True})',
        "st.markdown(text, **options)",
        "render = st.html\nrender(text)",
        "from streamlit import html\nhtml(text)",
        "st.markdown(overlay.word_chips(words), unsafe_allow_html=True)",  # not a trusted builder
    ],
)
def test_the_checker_catches_unescaped_text(source):
    assert problems_in(source), "the checker let unescaped text through"


@pytest.mark.parametrize(
    "source",
    [
        'st.markdown(f"<b>{html.escape(text)}</b>", unsafe_allow_html=True)',
        'shown = html.escape(text) if text else "∅"\nst.markdown(f"<b>{shown}</b>", unsafe_allow_html=True)',
        'st.markdown(f"<b>{weight:.3f}</b> {theme.ACCENT}", unsafe_allow_html=True)',
        'def f(word, i):\n    st.markdown(t("a.b", token=html.escape(word), n=i + 1), unsafe_allow_html=True)',
        'st.markdown("".join(f"<i>{html.escape(w)}</i>" for w in words), unsafe_allow_html=True)',
        "st.markdown(overlay.word_chips_html(words), unsafe_allow_html=True)",
        'components.html("<style>p { margin: 0 }</style>", height=0)',
        'st.html(body=f"<p>{len(words)}</p>")',
        "st.markdown(text)",
        "st.markdown(text, unsafe_allow_html=False)",
        "st.markdown(text, False)",
        "st.write(text)",
        "shown = html.unescape(text)\nprint(shown)",
    ],
)
def test_the_checker_accepts_escaped_text(source):
    assert problems_in(source) == []


PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def module_of(function: str):
    """The app's module that defines ``function`` (once), found by the scan: the checks below follow a builder
    or a view wherever it moves."""
    (file,) = [
        file
        for file, _, tree in FILES
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function
    ]
    return importlib.import_module(file.removesuffix(".py").removesuffix("/__init__").replace("/", "."))


def call(function: str, *args, **kwargs):
    return getattr(module_of(function), function)(*args, **kwargs)


def built(text: str) -> dict[str, str]:
    """Every trusted builder's HTML, with ``text`` in every argument it escapes."""
    weights = np.array([0.6, 0.4])
    return {
        "word_chips_html": call("word_chips_html", [text, "circle"], active=0, hits=[True, None]),
        "tinted_tokens_html": call("tinted_tokens_html", [text, "a"], weights, highlight=0),
        "diff_html": call("diff_html", text, text[:5]),
        "colorbar_html": call("colorbar_html", "Blues", 0.5),  # its label is checked at the call site instead
        "gauge_html": call("gauge_html", text, 0.9, 0.9, text, text),
        "tinted_words_html": call(
            "tinted_words_html", [text, "good"], weights, diverging=False, tips=[text, "x"], gap_before=1, gap_note=text
        ),
        "legend_html": call("legend_html", text, diverging=True, against=text, toward=text),
    }


def test_every_trusted_builder_is_checked_by_behaviour():
    assert set(built(PAYLOAD)) == set(HTML_BUILDERS)


@pytest.mark.parametrize("name", sorted(HTML_BUILDERS))
def test_html_builders_escape_the_text_they_are_given(name):
    html_text = built(PAYLOAD)[name]
    assert "<img" not in html_text and "<script" not in html_text, html_text
    if name != "colorbar_html":
        assert "&lt;" in html_text  # the text is still shown, as text


def test_the_arguments_said_to_be_unescaped_really_are():
    """HTML_BUILDERS says which arguments the call site must make safe; a builder that starts escaping one
    should say so there (and then this fails)."""
    assert PAYLOAD in call("colorbar_html", "Blues", 0.5, label=PAYLOAD)
    assert HTML_BUILDERS["colorbar_html"] == [(2, "label")]


def test_big_output_escapes_the_answer_and_the_note(monkeypatch):
    shown = []
    components = module_of("big_output")
    monkeypatch.setattr(components.st, "markdown", lambda body, **kwargs: shown.append((body, kwargs)))
    components.big_output(PAYLOAD, note=PAYLOAD)
    ((body, kwargs),) = shown
    assert kwargs.get("unsafe_allow_html") is True
    assert "<img" not in body and "<script" not in body and body.count("&lt;img") == 2


def test_one_decoding_step_escapes_user_tokens(monkeypatch):
    """The step view renders the input and output tokens as HTML: a typed tag must come out as text."""
    components = module_of("_step_view")
    monkeypatch.setattr(components, "t", lambda key, **values: " ".join(f"{k}={v}" for k, v in values.items()))

    class Slot:
        def __init__(self):
            self.bodies = []

        def markdown(self, body, **kwargs):
            self.bodies.append(body)

        def altair_chart(self, *args, **kwargs):
            pass

        def vega_lite_chart(self, *args, **kwargs):
            pass

    alignment = Alignment(
        source=["<b>", "<img src=x>", "x"],
        target=["<i>", "1"],
        weights=np.array([[0.1, 0.8, 0.1], [0.6, 0.2, 0.2]]),
        score=-1.0,
    )
    slots = [Slot(), Slot(), Slot()]
    monkeypatch.setattr(components.heatmap, "step_bars", lambda *a, **k: None)
    components._step_view(alignment, 0, *slots)
    rendered = "\n".join(b for slot in slots for b in slot.bodies)
    assert "<img" not in rendered and "<i>" not in rendered and "<b>" not in rendered, rendered


# ----------------------------------------------------------------------------------------------- pickles


def test_loading_checkpoints_never_unpickles(monkeypatch, tmp_path):
    """With every unpickler booby-trapped, a shipped and a user checkpoint still load (safetensors only)."""

    def trap(*args, **kwargs):
        raise AssertionError("a checkpoint was unpickled")

    monkeypatch.setattr(torch, "load", trap)
    monkeypatch.setattr("pickle.load", trap)
    monkeypatch.setattr("pickle.loads", trap)
    monkeypatch.setattr(np, "load", trap)
    shipped = registry.load_checkpoint("date-dot", device="cpu")
    registry.save_checkpoint(shipped.model, {k: shipped.card[k] for k in ("kind", "task", "config")}, tmp_path, "mine")
    mine = registry.load_checkpoint(tmp_path / "mine.json", device="cpu")
    assert mine.model.decode(["2/10/93"])[0][0].text == "1993-02-10"


def test_no_unpickling_calls_in_the_code():
    """Beyond test_no_pickle.py: no allow_pickle, read_pickle, yaml.load, marshal, shelve, eval or exec."""
    offenders = []
    banned_calls = {"pd.read_pickle", "pandas.read_pickle", "yaml.load", "eval", "exec", "marshal.loads"}
    for path in [*SOURCES, *sorted((ROOT / "models").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                if dotted(node.func) in banned_calls:
                    offenders.append(f"{where} {dotted(node.func)}")
                for keyword in node.keywords:
                    if keyword.arg == "allow_pickle" and not (
                        isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                    ):
                        offenders.append(f"{where} allow_pickle")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(m.split(".")[0] in {"marshal", "shelve", "cloudpickle"} for m in modules):
                    offenders.append(f"{where} import {modules}")
    assert offenders == []


# ----------------------------------------------------------------------------------------------- uploads


def test_upload_cap_is_set_and_matches_the_service():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    cap_mb = config["server"]["maxUploadSize"]
    assert isinstance(cap_mb, int) and 1 <= cap_mb <= 50, "a classroom server needs a small upload cap"
    assert cap_mb * 2**20 == services.MAX_IMAGE_BYTES, "read_image must refuse what the uploader would"
    assert config["client"]["showErrorDetails"] == "none", "tracebacks must never reach a browser"


def test_picture_uploaders_name_only_the_formats_that_are_opened():
    """Every ``st.file_uploader`` of pictures in the app, wherever it is, offers what read_image opens."""
    opened = {"jpg" if f == "JPEG" else f.lower() for f in services.IMAGE_FORMATS}
    offered = [
        set(ast.literal_eval(k.value))
        for _, _, tree in FILES
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "file_uploader"
        for k in n.keywords
        if k.arg == "type"
    ]
    pictures = [types for types in offered if types & (opened | {"jpeg"})]
    assert pictures, "no picture uploader found"
    assert all(types - {"jpeg"} == opened for types in pictures), pictures


@pytest.mark.parametrize(
    "data",
    [
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\n0 0 moveto 64 64 lineto stroke showpage\n",
        encode(Image.new("RGB", (64, 64), "red"), "TIFF"),
        encode(Image.new("RGB", (64, 64), "red"), "ICO"),
        encode(Image.new("RGB", (64, 64), "red"), "PPM"),
    ],
    ids=["eps", "tiff", "ico", "ppm"],
)
def test_formats_outside_the_upload_list_are_not_opened(data, monkeypatch):
    """Named photo.png or not, an EPS (which Pillow hands to Ghostscript) or any other format is refused."""
    opened = []
    original = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: opened.append(self.format) or original(self))
    result, problem = services.read_image(data)
    assert result is None and problem is not None and "PNG, JPEG" in problem.message
    assert opened == []
