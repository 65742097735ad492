"""/experiments: why attention — accuracy against input length with and without it, and training live in class."""

import time

import streamlit as st

from app import services
from app.charts import experiments as charts
from app.i18n import current_language, t
from app.services import live_models as live
from app.ui import components
from models.results import ProblemKind

st.title(t("exp.title"))
st.write(t("exp.intro"))
lang = current_language()


# ----------------------------------------------------------------------------- the shipped experiment


def model_names(results: dict) -> dict[str, str]:
    """Each model of the results file by the name a person reads (its attention, and location-aware or not)."""
    return {
        n: t(f"text.model_{e['attention']}" + ("_location" if e.get("location_kernel") else ""))
        for n, e in results["models"].items()
    }


def results_view(results: dict, names: dict[str, str], metric_slot) -> None:
    """Accuracy against input length for every model, and each one's score on the longest third.

    ``metric_slot``: where the accuracy choice goes (beside the task, so that the chart starts higher).
    """
    lang = current_language()  # format_funcs may be called after the run (AppTest): fix the language now
    entries = results["models"]
    train_max = max(e["train_lengths"][1] for e in entries.values())
    metric = metric_slot.radio(
        t("exp.metric_label"),
        ["exact", "token"],
        key="exp_metric",
        format_func=lambda m: t(f"exp.metric_{m}", lang=lang),
    )
    chart = charts.accuracy_by_length(
        results,
        metric,
        train_max=train_max,
        names=names,
        x_title=t("exp.length_axis"),
        y_title=t(f"exp.axis_{metric}"),
        seen_label=t("exp.seen_lengths", n=train_max),
    )
    st.altair_chart(chart, width="stretch")
    columns = st.columns(len(entries))
    for column, (name, entry) in zip(columns, entries.items(), strict=True):
        summary = entry["summary"]
        column.markdown(f"**{names[name]}**")  # the model on its own line: a metric's label does not wrap
        column.metric(
            t("exp.longest_third", start=summary["longest_third_from"]),
            f"{summary['longest_third']['exact']:.0%}",
            help=t("exp.summary_help", command=entry["command"], seconds=entry["wall_time_s"]),
        )
    st.caption(t("exp.chart_caption", n=entries[next(iter(entries))]["by_length"][0]["n"]))
    if any(e.get("location_kernel") for e in entries.values()):
        st.info(t("exp.location_note"), icon=":material/my_location:")


def typed_sequence(task: str, results: dict) -> str:
    """The input box of the try-it section, with a length slider and a button that makes a random input."""
    max_len = max(r["length"] for e in results["models"].values() for r in e["by_length"])
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    length = c1.slider(t("exp.length_slider"), 5, max_len, min(45, max_len), key="exp_length")
    if c2.button(t("exp.generate"), key="exp_generate", icon=":material/casino:", width="stretch") or (
        "exp_input" not in st.session_state
    ):
        st.session_state["exp_input"] = services.random_sequence(task, length, seed=int(time.time() * 1000) % 100_000)
    typed = st.text_input(t("exp.input_label"), key="exp_input", max_chars=200)
    return services.tidy(typed).replace(" ", "")


def one_input(task: str, results: dict, names: dict[str, str]) -> None:
    """One input through every model of the experiment: each output against the right answer, and a heatmap."""
    st.subheader(t("exp.try_title"))
    text = typed_sequence(task, results)
    models = {name: services.require_model(name) for name in results["models"]}
    problem = services.check_text(next(iter(models.values())), text)
    if problem is not None:
        unknown = problem.kind is ProblemKind.UNKNOWN_CHARS  # the date models' alphabet would not help here
        symbols = "".join(sorted(set(problem.params.get("chars", ()))))
        services.show_problem(problem, t("exp.unknown_symbols", symbols=symbols) if unknown else None)
        return
    truth = services.sequence_target(task, text)
    st.markdown(t("exp.truth", n=len(text), truth=truth))
    attention_result = None
    for column, name in zip(st.columns(len(models)), models, strict=True):
        result = services.decode_text(name, text, 1)[0]
        with column, st.container(border=True):
            st.markdown(f"**{names[name]}**")
            st.markdown(components.diff_html(result.text, truth), unsafe_allow_html=True)
            right = sum(a == b for a, b in zip(result.text, truth, strict=False))
            st.caption(t("exp.right_count", right=right, n=len(truth)))
        if result.has_attention:
            attention_result = (name, result)
    if attention_result:
        components.heatmap_chart(
            attention_result[1], key="exp_heatmap", title=t("text.heatmap_title", model=attention_result[0])
        )


task_column, metric_column = st.columns(2, gap="large")
with task_column:
    task = st.segmented_control(
        t("exp.task_label"),
        list(services.SEQUENCE_TASKS),
        default="reverse",
        required=True,
        key="exp_task",
        format_func=lambda k: t(f"exp.task_{k}", lang=lang),
    )
    st.caption(t(f"exp.about_{task}"))
results = services.experiment_results(task)
if results is None:
    st.info(t("exp.no_results", command=f"python -m models.train experiment --task {task}"))
else:
    names = model_names(results)
    results_view(results, names, metric_column)
    one_input(task, results, names)


# ----------------------------------------------------------------------------- train live


def live_controls(trainer: live.LiveTrainer) -> bool:
    """Task, attention and budget pickers, and the start and stop buttons; whether a run is going on."""
    lang = current_language()
    c1, c2, c3 = st.columns(3)
    live_task = c1.selectbox(
        t("exp.live_task"),
        ["date", *services.SEQUENCE_TASKS],
        key="exp_live_task",
        format_func=lambda k: t(f"exp.live_task_{k}", lang=lang),
    )
    live_attention = c2.selectbox(
        t("exp.live_attention"),
        services.attention_kinds(),
        key="exp_live_attention",
        format_func=lambda k: t(f"text.model_{k}", lang=lang),
    )
    budget = c3.slider(t("exp.live_budget"), 10, 300, 60, 5, key="exp_live_budget", help=t("exp.live_budget_help"))
    snapshot = trainer.snapshot()
    running = snapshot.status == "running"
    mine = snapshot.owner == live.session_id()
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button(
        t("exp.live_start"),
        key="exp_live_start",
        type="primary",
        disabled=running,
        icon=":material/play_arrow:",
        width="stretch",
    ):
        device = services.compute_device()[0]
        if trainer.start(live.session_id(), live_task, live_attention, float(budget), device=device):
            st.rerun()
        else:
            st.warning(t("exp.live_busy"))
    if b2.button(
        t("exp.live_stop"),
        key="exp_live_stop",
        disabled=not (running and mine),
        icon=":material/stop:",
        width="stretch",
    ):
        trainer.stop()
    if running and not mine:
        st.warning(t("exp.live_busy"))
    return running


def live_progress(run: live.Run) -> None:
    """How far the run is, its accuracy and its curves."""
    elapsed = (
        (run.records[-1]["wall"] if run.records else 0.0) if run.status != "running" else time.time() - run.started
    )
    st.progress(
        min(elapsed / max(run.budget_s, 1e-9), 1.0),
        text=t(
            "exp.live_progress",
            task=t(f"exp.live_task_{run.task}"),
            attention=t(f"text.model_{run.attention}"),
            seconds=elapsed,
            budget=run.budget_s,
            status=t(f"exp.status_{run.status}"),
        ),
    )
    evals = [r for r in run.records if r.get("kind") == "eval"]
    if evals:
        st.metric(t("exp.live_accuracy"), f"{evals[-1]['exact_match']:.1%}")
    if run.records:
        st.altair_chart(
            charts.training_curves(
                run.records, loss_title=t("exp.loss"), accuracy_title=t("exp.live_accuracy"), x_title=t("exp.seconds")
            ),
            width="content",
        )


def live_models_view() -> None:
    """The models this session trained: each with a box to try it."""
    mine_models = live.session_models()
    if not mine_models:
        return
    st.markdown(t("exp.live_models"))
    for name, info in mine_models.items():
        with st.container(border=True):
            st.markdown(f"**{name}** · {info['message']}")
            if info["task"] == "date":
                st.page_link("app/pages/text/page.py", label=t("exp.live_use_text"), icon=":material/translate:")
            sample = "march 5, 2026" if info["task"] == "date" else "qkzdwmn"
            probe = services.tidy(st.text_input(t("exp.live_try"), sample, key=f"exp_try_{name}", max_chars=60))
            problem = services.check_text(services.require_model(name), probe)
            services.show_problem(problem)
            if problem is None:
                components.big_output(services.decode_text(name, probe)[0].text)


st.divider()
st.subheader(t("exp.live_title"))
st.write(t("exp.live_intro"))
trainer = live.trainer()
arrived = live.collect_finished()
if arrived:
    st.success(t("exp.live_ready", name=arrived))
running = live_controls(trainer)


@st.fragment(run_every=1.0 if running else None)
def live_panel(trainer: live.LiveTrainer) -> None:
    """Redrawn every second while a run goes on: progress, curves, and the model when it is ready."""
    run = trainer.snapshot()
    if run.status == "idle":
        st.caption(t("exp.live_idle"))
        return
    live_progress(run)
    if run.status == "error":
        st.error(t("exp.live_error", message=run.message))
    if run.status in ("done", "stopped") and run.owner == live.session_id() and not run.claimed:
        st.rerun()  # the whole page: collect the model into this session


live_panel(trainer)
live_models_view()
