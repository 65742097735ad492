"""`python -m models.evaluate --pairs FILE` lists every output, in the file's order, beside the misses."""

import json

from models.data.dates import DateGenerator
from models.evaluate import main as evaluate_main
from models.tasks.pairs import evaluate_pairs


class Echo:
    """A stand-in text model whose output is its input upper-cased."""

    def decode(self, texts, beam_width=1):
        return [[type("Hyp", (), {"text": t.upper()})()] for t in texts]


def test_evaluate_pairs_lists_every_output_and_keeps_the_misses():
    result = evaluate_pairs(Echo(), [("ab", "AB"), ("cd", "cd"), ("ef", "EF")], max_misses=5)
    assert result["outputs"] == [
        {"input": "ab", "expected": "AB", "output": "AB"},
        {"input": "cd", "expected": "cd", "output": "CD"},
        {"input": "ef", "expected": "EF", "output": "EF"},
    ]
    assert result["misses"] == [{"input": "cd", "expected": "cd", "got": "CD"}]
    assert (result["n"], result["miss_count"], result["exact_match"]) == (3, 1, round(2 / 3, 6))


def test_outputs_are_left_out_when_the_caller_decoded_a_generated_set():
    outputs = Echo().decode(["ab"])[0]
    assert "outputs" not in evaluate_pairs(Echo(), [("ab", "AB")], outputs=outputs)
    assert "outputs" in evaluate_pairs(Echo(), [("ab", "AB")], outputs=outputs, list_outputs=True)


def test_pairs_file_returns_every_output_of_a_date_model(tmp_path, capsys):
    examples = DateGenerator(seed=7, split="test").samples(30)
    lines = [f"{e.source}\t{e.target}" for e in examples] + ["# a comment", "", "March 5 2021\t1999-01-01"]
    (tmp_path / "dates.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = evaluate_main(["--model", "date-additive", "--pairs", str(tmp_path / "dates.tsv"), "--misses", "1"])
    assert json.loads(capsys.readouterr().out) == result
    outputs = result["outputs"]
    assert [o["input"] for o in outputs] == [e.source for e in examples] + ["March 5 2021"]
    assert [o["expected"] for o in outputs] == [e.target for e in examples] + ["1999-01-01"]
    assert outputs[-1]["output"] == "2021-03-05"
    wrong = [o for o in outputs if o["output"] != o["expected"]]
    assert result["miss_count"] == len(wrong) >= 1 and len(result["misses"]) == 1
    assert result["misses"][0] == {
        "input": wrong[0]["input"],
        "expected": wrong[0]["expected"],
        "got": wrong[0]["output"],
    }
    assert result["exact_match"] == round(1 - len(wrong) / 31, 6)


def test_a_generated_date_set_prints_no_outputs_list(capsys):
    result = evaluate_main(["--model", "date-additive", "--generated", "20", "--seed", "3"])
    capsys.readouterr()
    assert result["n"] == 20 and "outputs" not in result and "misses" in result
