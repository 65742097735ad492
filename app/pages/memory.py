"""/memory: attention as memory — a Neural Turing Machine copies a bit pattern, its heads visible step by step.

The input, the NTM's copy and the LSTM baseline's as bit grids; the write and read weightings over memory
rows for every step; the memory at a chosen step; one step's addressing pipeline (content → interpolation
→ shift → sharpening) as bars with the formulas; and a what-if that forces the read head onto a row.
"""

import time

import numpy as np
import streamlit as st

from app import services
from app.charts import memory_charts as charts
from app.charts import theme
from app.i18n import t
from app.services import memory
from app.ui import presenter
from models.results import HeadTrace, MemoryTrace

st.title(t("memory.title"))
st.write(t("memory.intro"))


def plot(fig, key: str) -> None:
    st.plotly_chart(presenter.fit(fig), key=key, config=theme.png_config(key), width="stretch")


def clamp(key: str, low: int, high: int, default: int) -> None:
    """A widget's value in session state, kept within [low, high] when the pattern (and so the range) changes."""
    value = st.session_state.get(key, default)
    st.session_state[key] = default if not low <= value <= high else value


def step_name(step: int, length: int) -> str:
    """What the model reads at ``step``: an input vector, the delimiter, or nothing while it writes."""
    if step < length:
        return t("memory.step_input", n=step + 1)
    if step == length:
        return t("memory.step_delimiter")
    return t("memory.step_output", n=step - length)


# ----------------------------------------------------------------------------- input


def typed_pattern() -> np.ndarray:
    """The pattern box, a length slider and a button that makes a random pattern; stops on bad input."""
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    length = c1.slider(t("memory.length_slider"), 1, memory.MAX_LENGTH, 12, key="mem_length")
    if c2.button(t("memory.generate"), key="mem_generate", icon=":material/casino:", width="stretch") or (
        "mem_input" not in st.session_state
    ):
        seed = 7 if "mem_input" not in st.session_state else int(time.time() * 1000) % 100_000
        st.session_state["mem_input"] = memory.random_pattern_text(length, seed)
    typed = st.text_area(t("memory.input_label"), key="mem_input", height=90, help=t("memory.input_help"))
    pattern = memory.read_pattern(typed)
    if isinstance(pattern, memory.PatternProblem):
        memory.show_pattern_problem(pattern)
        st.stop()
    return pattern


# ----------------------------------------------------------------------------- copies


def copy_view(trace: MemoryTrace, name: str, key: str) -> None:
    """One model's copy as a bit grid, its wrong bits crossed, and how many there are."""
    with st.container(border=True):
        st.markdown(f"**{name}**")
        wrong = trace.bit_errors
        verdict = t("memory.exact") if wrong == 0 else t("memory.wrong_bits", n=wrong, total=trace.errors.size)
        st.markdown(verdict)
        fig = charts.bit_grid(
            trace.output,
            title=t("memory.output_title"),
            x_title=t("memory.vector_axis"),
            y_title=t("memory.bit_axis"),
            errors=trace.errors,
            wrong_label=t("memory.wrong"),
        )
        plot(fig, key)


def copies(ntm: MemoryTrace, baseline: MemoryTrace | None) -> None:
    st.subheader(t("memory.copy_title"))
    plot(
        charts.bit_grid(
            ntm.target, title=t("memory.input_title"), x_title=t("memory.vector_axis"), y_title=t("memory.bit_axis")
        ),
        "mem_target",
    )
    left, right = st.columns(2)
    with left:
        copy_view(ntm, t("memory.ntm_name"), "mem_ntm_output")
    with right:
        if baseline is None:
            st.info(t("memory.no_baseline", command="python -m models.train ntm --task copy --architecture lstm"))
        else:
            copy_view(baseline, t("memory.lstm_name"), "mem_lstm_output")
    st.caption(t("memory.copy_caption"))


# ----------------------------------------------------------------------------- heads over time


def heads_view(trace: MemoryTrace, step: int) -> None:
    """Write and read weightings over rows for every step (the diagonal walk), and the memory at ``step``."""
    st.subheader(t("memory.heads_title"))
    st.write(t("memory.heads_intro"))
    left, right = st.columns(2)
    for column, head, name in ((left, trace.write, "write"), (right, trace.read, "read")):
        with column:
            fig = charts.weightings_heatmap(
                head.weights,
                title=t(f"memory.{name}_heatmap"),
                x_title=t("memory.step_axis"),
                y_title=t("memory.row_axis"),
                length=trace.length,
                marker=step,
                delimiter_label=t("memory.delimiter"),
            )
            plot(fig, f"mem_{name}_heatmap")
    state = trace.memory[step + 1]
    fig = charts.memory_matrix(
        state,
        title=t("memory.matrix_title", step=step, what=step_name(step, trace.length)),
        x_title=t("memory.column_axis"),
        y_title=t("memory.row_axis"),
        highlight=int(trace.read.weights[step].argmax()),
    )
    plot(fig, "mem_matrix")
    st.caption(t("memory.matrix_caption"))


# ----------------------------------------------------------------------------- addressing at one step

FORMULAS = {
    "content": r"w^c_t(i) = \frac{\exp\big(\beta_t\, K(k_t, M_{t-1}(i))\big)}"
    r"{\sum_j \exp\big(\beta_t\, K(k_t, M_{t-1}(j))\big)},"
    r"\quad K(u, v) = \frac{u \cdot v}{\lVert u\rVert\,\lVert v\rVert}",
    "gated": r"w^g_t = g_t\, w^c_t + (1 - g_t)\, w_{t-1}",
    "shifted": r"\tilde w_t(i) = \sum_{j} w^g_t(j)\, s_t(i - j)",
    "sharpened": r"w_t(i) = \frac{\tilde w_t(i)^{\gamma_t}}{\sum_j \tilde w_t(j)^{\gamma_t}}",
}


def row_window(trace: MemoryTrace) -> tuple[int, int]:
    """The memory rows worth drawing: up to a few past the last one either head used."""
    used = np.nonzero(np.maximum(trace.write.weights.max(0), trace.read.weights.max(0)) > 0.02)[0]
    last = int(min(trace.read.rows - 1, (used.max() + 3) if used.size else trace.read.rows - 1))
    return 0, max(last, min(trace.read.rows - 1, 8))


def pipeline_view(trace: MemoryTrace, step: int) -> None:
    """One head at one step: w_c (β) → w_g (g) → w̃ (s) → w (γ), as bars beside the formulas."""
    st.subheader(t("memory.pipeline_title"))
    head_name = st.segmented_control(
        t("memory.head_label"),
        ["write", "read"],
        default="read",
        required=True,
        key="mem_head",
        format_func=lambda h: t(f"memory.head_{h}"),
    )
    head: HeadTrace = getattr(trace, head_name)
    beta, gate, gamma, shift = head.beta[step], head.gate[step], head.gamma[step], head.shift[step]
    moves = ", ".join(f"{k - len(shift) // 2:+d}: {v:.2f}" for k, v in enumerate(shift))
    stages = [
        (t("memory.stage_content", beta=beta), head.content[step]),
        (t("memory.stage_gated", gate=gate), head.gated[step]),
        (t("memory.stage_shifted", shift=moves), head.shifted[step]),
        (t("memory.stage_sharpened", gamma=gamma), head.weights[step]),
    ]
    bars, formulas = st.columns([3, 2], gap="large")
    with bars:
        fig = charts.addressing_bars(
            stages,
            title=t("memory.pipeline_chart", head=t(f"memory.head_{head_name}"), step=step),
            x_title=t("memory.row_axis"),
            rows=row_window(trace),
        )
        plot(fig, "mem_pipeline")
    with formulas:
        for name, latex in FORMULAS.items():
            st.markdown(f"**{t(f'memory.formula_{name}')}**")
            st.latex(latex)
        plot(charts.shift_bars(shift, title=t("memory.shift_title"), x_title=t("memory.shift_axis")), "mem_shift")
    st.info(t(f"memory.reading_{mode_of(head, step)}", beta=beta, gate=gate, gamma=gamma), icon=":material/lightbulb:")
    if head_name == "write":
        st.caption(
            t(
                "memory.erase_add",
                erase=float(head.erase[step].mean()),
                add=float(np.abs(head.add[step]).mean()),
            )
        )


def mode_of(head: HeadTrace, step: int) -> str:
    """'content' when the head looks up by content (g near 1 and a peaked w_c), else 'location'."""
    peaked = head.content[step].max() > 2.0 / head.rows
    return "content" if head.gate[step] > 0.5 and peaked else "location"


# ----------------------------------------------------------------------------- what-if


def what_if(trace: MemoryTrace, pattern: np.ndarray) -> None:
    """Force the read head onto one row at one step of the output phase and see the copy change."""
    st.subheader(t("memory.whatif_title"))
    st.write(t("memory.whatif_intro"))
    L = trace.length
    first, last = L + 1, 2 * L
    c1, c2 = st.columns(2)
    clamp("mem_force_step", first, last, first)
    step = c1.slider(t("memory.force_step"), first, last, key="mem_force_step") if last > first else first
    looked = int(trace.read.weights[step].argmax())
    window = row_window(trace)[1]
    clamp("mem_force_row", 0, window, min(window, (looked + 2) % (window + 1)))
    row = c2.number_input(
        t("memory.force_row"),
        min_value=0,
        max_value=window,
        step=1,
        key="mem_force_row",
        help=t("memory.force_row_help", row=looked, step=step),
    )
    forced = memory.memory_trace(memory.NTM_MODEL, pattern, (step, int(row)))
    changed = int((forced.output != trace.output).sum())
    st.markdown(
        t("memory.whatif_result", step=step, row=int(row), looked=looked, changed=changed, wrong=forced.bit_errors)
    )
    fig = charts.bit_grid(
        forced.output,
        title=t("memory.whatif_chart", step=step, row=int(row)),
        x_title=t("memory.vector_axis"),
        y_title=t("memory.bit_axis"),
        errors=forced.errors,
        wrong_label=t("memory.wrong"),
    )
    plot(fig, "mem_forced_output")


# ----------------------------------------------------------------------------- the page

pattern = typed_pattern()
ntm_model = services.model_or_message(memory.NTM_MODEL)
if ntm_model is None:
    st.info(t("memory.no_model", command="python -m models.train ntm --task copy"))
    st.stop()
baseline_model = services.model_or_message(memory.BASELINE) if memory.shipped(memory.BASELINE) else None
ntm = memory.memory_trace(memory.NTM_MODEL, pattern)
baseline = memory.memory_trace(memory.BASELINE, pattern) if baseline_model is not None else None
copies(ntm, baseline)

T = ntm.steps
clamp("mem_step", 0, T - 1, min(T - 1, ntm.length + 1))
step = st.slider(t("memory.step_slider"), 0, T - 1, key="mem_step", help=t("memory.step_help"))
st.markdown(t("memory.step_line", step=step, what=step_name(step, ntm.length)))
heads_view(ntm, step)
pipeline_view(ntm, step)
what_if(ntm, pattern)

st.subheader(t("memory.attention_title"))
st.markdown(t("memory.attention_body"))
