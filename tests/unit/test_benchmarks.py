"""The benchmark report's own arithmetic: percentiles, targets, the table and its JSON; what the load client
reads off a page."""

import json

import numpy as np
import pytest
from streamlit.proto.Element_pb2 import Element

from testkit.loadclient import Answer, LoadResult, shown_caption, shown_output, summary
from testkit.report import Row, first_crossing, fmt_value, percentile, table, write_json
from testkit.stclient import Run


@pytest.mark.parametrize("q", [0, 25, 50, 90, 95, 100])
def test_percentile_matches_numpy_linear_interpolation(q):
    values = [12.0, 3.5, 7.25, 100.0, 0.5, 42.0, 8.0]
    assert percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_row_meets_its_target_or_says_it_has_none():
    assert Row("app", "first paint", 2.4, "s", target="<= 3").ok is True
    assert Row("app", "first paint", 3.2, "s", target="<= 3").ok is False
    assert Row("load", "success rate", 100.0, "%", target="== 100").ok is True
    assert Row("load", "success rate", 96.7, "%", target="== 100").ok is False
    assert Row("quality", "exact", 99.95, "%", target=">= 99.9").ok is True
    assert Row("model", "load", 12.0, "ms").ok is None
    assert Row("app", "first paint", None, "s", target="<= 3").ok is None
    assert Row("app", "first paint", 2.4, "s", target="<= 3").target_text() == "≤ 3"


def test_table_has_one_line_per_row_under_one_header():
    rows = [Row("browser", "/text median", 120.4, "ms", target="<= 150"), Row("load", "peak RSS", 812.0, "MiB")]
    lines = table(rows).splitlines()
    assert lines[0].split("|")[1].strip() == "area"
    assert len(lines) == 2 + len(rows)
    assert "✓" in lines[2] and "≤ 150" in lines[2]
    assert "812" in lines[3]


def test_json_keeps_every_row_with_its_verdict(tmp_path):
    rows = [Row("app", "first paint", 3.5, "s", target="<= 3", note="median of 3")]
    path = tmp_path / "out" / "results.json"
    write_json(path, rows, {"quick": True})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["quick"] is True and document["machine"]
    assert document["rows"] == [
        {
            "area": "app",
            "measure": "first paint",
            "value": 3.5,
            "unit": "s",
            "target": "<= 3",
            "note": "median of 3",
            "ok": False,
        }
    ]


def test_numbers_are_formatted_for_people():
    assert [fmt_value(v) for v in (None, 0, 30, 1234.6, 123.4, 12.34, 1.234, 0.01234)] == [
        "—",
        "0",
        "30",
        "1,235",
        "123",
        "12.3",
        "1.23",
        "0.0123",
    ]


def page(*markdown: str, alerts: tuple = ()) -> Run:
    """A run that drew these markdown bodies (and alerts), as the load client receives it."""
    run = Run()
    for i, body in enumerate(markdown):
        element = Element()
        element.markdown.body = body
        run.elements[(0, i)] = element
    for j, (level, body) in enumerate(alerts):
        element = Element()
        element.alert.body, element.alert.format = body, level
        run.elements[(1, j)] = element
    return run


def test_the_load_client_reads_the_answer_and_the_caption_off_the_page(monkeypatch):
    """Against what the pages really write: components.big_output and overlay.word_chips_html."""
    from app.charts import overlay
    from app.ui import components

    written = []
    monkeypatch.setattr(components.st, "markdown", lambda body, **_: written.append(body))
    components.big_output("1993-02-10 & co", "a note")
    answer = page("# Dates", *written)
    assert shown_output(answer) == "1993-02-10 & co"
    caption = page(overlay.word_chips_html(["a", "small", "red", "circle"], hits=[None, True, True, False]))
    assert shown_caption(caption) == "a small red circle"
    assert shown_output(caption) is None and shown_caption(answer) is None


def test_load_summary_counts_right_answers_and_splits_training_time():
    answers = [
        Answer(0, "date", sent=1.0, ms=100.0, right=True),
        Answer(0, "date", sent=12.0, ms=300.0, right=True),
        Answer(1, "picture", sent=15.0, ms=None, right=False, detail="timeout"),
        Answer(-1, "browser-date", sent=2.0, ms=150.0, right=True),
    ]
    numbers = summary(LoadResult(answers=answers, training={"started": 10.0, "ended": 20.0}))
    assert numbers["load all"] == {"sent": 3, "right": 2, "p50": 200.0, "p95": pytest.approx(290.0), "max": 300.0}
    assert numbers["load during training"]["sent"] == 2 and numbers["load outside training"]["sent"] == 1
    assert numbers["load browser-date"]["right"] == 1


def test_training_time_is_the_first_evaluation_over_the_bar():
    history = [
        {"step": 10, "seconds": 5.0, "exact_match": 0.5},
        {"step": 20, "seconds": 9.0, "exact_match": 0.9991},
        {"step": 30, "seconds": 14.0, "exact_match": 1.0},
    ]
    assert first_crossing(history, "exact_match", 0.999)["seconds"] == 9.0
    assert first_crossing(history, "exact_match", 1.01) is None
    assert first_crossing(history, "chrf", 10) is None
