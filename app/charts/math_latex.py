"""The formulas of the /math page as LaTeX strings: the score functions, softmax, the weighted sum, and every
score of the worked example written out with its numbers.

Pure functions of numbers (numpy arrays, lists) and strings; no streamlit, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "CONCAT_LATEX",
    "CONTEXT_LATEX",
    "MODEL_LATEX",
    "SCORE_LATEX",
    "SOFTMAX_LATEX",
    "concat_line",
    "latex_dot",
    "latex_number",
    "latex_vector",
    "number",
    "score_lines",
    "tex_text",
]

SCORE_LATEX = {  # the worked example's score functions: one query s against the states h_j
    "dot": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top \mathbf{h}_j",
    "general": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top W \mathbf{h}_j",
    "additive": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j)"
    r" = \mathbf{v}^\top \tanh(W_q \mathbf{s} + W_k \mathbf{h}_j)",
    "scaled_dot": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j)"
    r" = \frac{\mathbf{s}^\top \mathbf{h}_j}{\sqrt{d}}",
}
MODEL_LATEX = {  # the same inside a trained model, at decoding step t
    "dot": r"e_{t,j} = \mathbf{s}_t^\top \mathbf{h}_j",
    "general": r"e_{t,j} = \mathbf{s}_t^\top W \mathbf{h}_j",
    "additive": r"\begin{aligned} e_{t,j} &= \mathbf{v}^\top \tanh(W_q \mathbf{s}_{t-1}"  # two lines: it sits in a
    r" \\ &\qquad + W_k \mathbf{h}_j) \end{aligned}",  # narrow column beside the input
    "scaled_dot": r"e_{t,j} = \mathbf{s}_t^\top \mathbf{h}_j / \sqrt{d}",
}
SOFTMAX_LATEX = r"\alpha_j = \operatorname{softmax}(e)_j = \frac{\exp(e_j)}{\sum_k \exp(e_k)}"
CONTEXT_LATEX = r"\mathbf{c} = \sum_j \alpha_j \mathbf{h}_j"
CONCAT_LATEX = r"\tilde{\mathbf{h}} = \tanh\!\left(W_c \begin{bmatrix} \mathbf{c} \\ \mathbf{s} \end{bmatrix}\right)"


def number(x: float, digits: int = 3) -> str:
    """A number as a person writes it: rounded, trailing zeros dropped, no "-0" (1.0 -> "1", 0.0871 -> "0.087")."""
    text = f"{round(float(x), digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def latex_number(x: float, digits: int = 3) -> str:
    """``number`` for a formula: negative numbers in parentheses when they are multiplied."""
    text = number(x, digits)
    return f"({text})" if text.startswith("-") else text


def latex_vector(values: Sequence[float], digits: int = 3, column: bool = False) -> str:
    """A vector as a bracketed LaTeX matrix, a row by default (columns take too much height on a projector)."""
    sep = r" \\ " if column else " & "
    return r"\begin{bmatrix} " + sep.join(number(v, digits) for v in values) + r" \end{bmatrix}"


def latex_dot(a: Sequence[float], b: Sequence[float], digits: int = 3) -> str:
    """a·b written out term by term: 1 \\cdot 1 + 2 \\cdot (-1) + …"""
    return " + ".join(f"{latex_number(x, digits)} \\cdot {latex_number(y, digits)}" for x, y in zip(a, b, strict=True))


def tex_text(token: str) -> str:
    """A token inside \\text{...}: LaTeX's special characters escaped or dropped."""
    return "".join(" " if ch in "\\^~" else ("\\" + ch if ch in "{}$%&#_" else ch) for ch in token)


def _score_line(ex, j: int, name: str) -> str:
    """e_j of the worked example ``ex`` (a WorkedExample) with its numbers: the sum, the fraction or the tanh."""
    h, e = ex.states[j], number(ex.scores[j])
    if ex.kind == "dot":
        return rf"{name} &= {latex_dot(ex.query, h)} = \mathbf{{{e}}}"
    if ex.kind == "scaled_dot":
        raw, root = number(float(ex.query @ h)), number(np.sqrt(len(h)))
        return (
            rf"{name} &= \frac{{{latex_dot(ex.query, h)}}}{{\sqrt{{{len(h)}}}}}"
            rf" = \frac{{{raw}}}{{{root}}} = \mathbf{{{e}}}"
        )
    if ex.kind == "general":
        return rf"{name} &= {latex_dot(ex.projected_query, h)} = \mathbf{{{e}}}"
    inside = latex_vector(ex.projected_keys[j] + ex.projected_query)
    return (
        rf"{name} &= \mathbf{{v}}^\top \tanh\!\left({inside}\right)"
        rf" = \mathbf{{v}}^\top {latex_vector(ex.hidden[j])} = \mathbf{{{e}}}"
    )


def score_lines(ex, tokens: Sequence[str]) -> str:
    """Every e_j of the worked example ``ex`` written out with its numbers, one aligned line per input token."""
    lines = []
    if ex.kind == "general":
        lines.append(r"\mathbf{s}^\top W &= " + latex_vector(ex.projected_query))
    if ex.kind == "additive":
        lines.append(r"W_q \mathbf{s} &= " + latex_vector(ex.projected_query))
    for j, tok in enumerate(tokens):
        lines.append(_score_line(ex, j, rf"e_{{{j + 1}}}\ \text{{({tex_text(tok)})}}"))
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def concat_line(concat: Sequence[float]) -> str:
    """[c; s] as one bracketed row with a bar between the two halves."""
    half = len(concat) // 2
    cells = " & ".join(number(x) for x in concat)
    columns = "c" * half + "|" + "c" * half
    return rf"[\mathbf{{c}}; \mathbf{{s}}] = \left[\begin{{array}}{{{columns}}} {cells} \end{{array}}\right]"
