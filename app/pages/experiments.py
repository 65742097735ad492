"""/experiments: why attention — accuracy against input length with and without it, and training live in class."""

import json
import time

import streamlit as st

from app import components, live, services
from app.charts import experiments as charts
from app.i18n import current_language, t
from models.data.sequences import TASKS, SequenceGenerator, target_of
from models.registry import CheckpointError
from models.seq2seq import ATTENTION_KINDS
from models.train_experiment import results_path

st.title(t("exp.title"))
st.write(t("exp.intro"))
lang = current_language()

# ----------------------------------------------------------------------------- the shipped experiment

task = st.segmented_control(
    t("exp.task_label"),
    list(TASKS),
    default="reverse",
    required=True,
    key="exp_task",
    format_func=lambda k: t(f"exp.task_{k}", lang=lang),
)
st.caption(t(f"exp.about_{task}"))
path = results_path(task)
if not path.is_file():
    st.info(t("exp.no_results", command=f"python -m models.train experiment --task {task}"))
    results = None
else:
    results = json.loads(path.read_text(encoding="utf-8"))

if results:
    entries = results["models"]
    names = {
        n: t(f"text.model_{e['attention']}" + ("_location" if e.get("location_kernel") else ""))
        for n, e in entries.items()
    }
    train_max = max(e["train_lengths"][1] for e in entries.values())
    metric = st.radio(
        t("exp.metric_label"),
        ["exact", "token"],
        horizontal=True,
        key="exp_metric",
        format_func=lambda m: t(f"exp.metric_{m}", lang=lang),
    )
    chart = charts.accuracy_by_length(
        results,
        metric,
        train_max=train_max,
        names=names,
        x_title=t("exp.length_axis"),
        y_title=t(f"exp.metric_{metric}"),
        seen_label=t("exp.seen_lengths", n=train_max),
    )
    st.altair_chart(chart, width="stretch")
    columns = st.columns(len(entries))
    for column, (name, entry) in zip(columns, entries.items(), strict=True):
        summary = entry["summary"]
        column.metric(
            t("exp.longest_third", model=names[name], start=summary["longest_third_from"]),
            f"{summary['longest_third']['exact']:.0%}",
            help=t("exp.summary_help", command=entry["command"], seconds=entry["wall_time_s"]),
        )
    st.caption(t("exp.chart_caption", n=entries[next(iter(entries))]["by_length"][0]["n"]))
    if any(e.get("location_kernel") for e in entries.values()):
        st.info(t("exp.location_note"), icon=":material/my_location:")

    # ------------------------------------------------------------------------- one input, both models
    st.subheader(t("exp.try_title"))
    max_len = max(r["length"] for e in entries.values() for r in e["by_length"])
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    length = c1.slider(t("exp.length_slider"), 5, max_len, min(45, max_len), key="exp_length")
    if c2.button(t("exp.generate"), key="exp_generate", icon=":material/casino:", width="stretch") or (
        "exp_input" not in st.session_state
    ):
        st.session_state["exp_input"] = (
            SequenceGenerator(task, seed=int(time.time() * 1000) % 100_000).sample(length).source
        )
    typed = st.text_input(t("exp.input_label"), key="exp_input", max_chars=200)
    text = services.tidy(typed).replace(" ", "")
    models = {}
    for name in entries:
        try:
            models[name] = services.load_model(name).model
        except CheckpointError as err:
            services.model_error(err)
            st.stop()
    first = next(iter(models.values()))
    problem = services.check_text(first, text)
    if problem is not None:
        message = (
            problem.message
            if problem.level != "error" or "never seen" not in problem.message
            else (t("exp.unknown_symbols", symbols="".join(sorted(set(text) - set(first.src_vocab.tokens)))))
        )
        getattr(st, problem.level)(message)
    else:
        truth = target_of(task, text)
        st.markdown(t("exp.truth", n=len(text), truth=truth))
        outs = st.columns(len(models))
        attention_result = None
        for column, (name, _model) in zip(outs, models.items(), strict=True):
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

# ----------------------------------------------------------------------------- train live
st.divider()
st.subheader(t("exp.live_title"))
st.write(t("exp.live_intro"))
trainer = live.trainer()
arrived = live.collect_finished()
if arrived:
    st.success(t("exp.live_ready", name=arrived))

c1, c2, c3 = st.columns(3)
live_task = c1.selectbox(
    t("exp.live_task"), ["date", *TASKS], key="exp_live_task", format_func=lambda k: t(f"exp.live_task_{k}", lang=lang)
)
live_attention = c2.selectbox(
    t("exp.live_attention"),
    ATTENTION_KINDS,
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
    if trainer.start(live.session_id(), live_task, live_attention, float(budget)):
        st.rerun()
    else:
        st.warning(t("exp.live_busy"))
if b2.button(
    t("exp.live_stop"), key="exp_live_stop", disabled=not (running and mine), icon=":material/stop:", width="stretch"
):
    trainer.stop()
if running and not mine:
    st.warning(t("exp.live_busy"))


@st.fragment(run_every=1.0 if running else None)
def live_panel() -> None:
    """Redrawn every second while a run goes on: progress, curves, and the model when it is ready."""
    run = trainer.snapshot()
    if run.status == "idle":
        st.caption(t("exp.live_idle"))
        return
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
    if run.status == "error":
        st.error(t("exp.live_error", message=run.message))
    if run.status in ("done", "stopped") and run.owner == live.session_id() and not run.claimed:
        st.rerun()  # the whole page: collect the model into this session


live_panel()

mine_models = live.session_models()
if mine_models:
    st.markdown(t("exp.live_models"))
    for name, info in mine_models.items():
        with st.container(border=True):
            st.markdown(f"**{name}** · {info['message']}")
            if info["task"] == "date":
                st.page_link("app/pages/text.py", label=t("exp.live_use_text"), icon=":material/translate:")
            sample = "march 5, 2026" if info["task"] == "date" else "qkzdwmn"
            probe = st.text_input(t("exp.live_try"), sample, key=f"exp_try_{name}", max_chars=60)
            probe = services.tidy(probe)
            problem = services.check_text(info["model"], probe)
            if problem is not None:
                getattr(st, problem.level)(problem.message)
            else:
                result = info["model"].decode([probe])[0][0]
                components.big_output(result.text)
