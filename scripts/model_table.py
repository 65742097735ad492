"""The README's table of shipped models, from their cards (the metrics there came from models.evaluate),
and the exact command that trained each one.

    python scripts/model_table.py           # print it
    python scripts/model_table.py --write   # replace the block between the markers in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import registry  # noqa: E402

BEGIN, END = "<!-- models: written by scripts/model_table.py -->", "<!-- /models -->"


def pct(value) -> str:
    return "—" if value is None else f"{value:.2%}"


def _deletion(dl: dict) -> str:
    """The deletion test's part of a photo captioner's cell ("" when its card has none)."""
    if not dl:
        return ""
    return f"; deletion: attended area hurts more for {pct(dl.get('attended_hurts_more'))} of {dl.get('words')} words"


def quality(e: registry.ModelEntry) -> str:
    """One cell: the numbers ``python -m models.evaluate`` printed for this model, as its card keeps them."""
    m = e.card.raw.get("metrics", {})
    if e.task == "date":
        fam = m.get("per_family", {})
        return (
            f"exact {pct(m.get('exact_match'))} of {m.get('n'):,}; worst family "
            f"{min(fam, key=fam.get) if fam else '—'} {pct(min(fam.values()) if fam else None)}; "
            f"alignment {pct(m.get('alignment_accuracy'))}"
        )
    if e.task == "caption":
        return (
            f"exact {pct(m.get('exact_match'))} of {m.get('n'):,}; object F1 {pct(m.get('object_f1'))}; "
            f"BLEU-4 {m.get('bleu4')}; pointing {pct(m.get('pointing_game'))}; "
            f"mass in box {pct(m.get('attention_correctness'))}"
        )
    if e.task == "caption-aerial":
        val, ucm, dl = m.get("rsicd_val", {}), m.get("ucm_test", {}), e.card.raw.get("deletion", {})
        cell = (
            f"RSICD val ({val.get('n_images')} photos): BLEU-4 {val.get('bleu4')}, CIDEr {val.get('cider')}, "
            f"{val.get('distinct_captions')} distinct captions; UCM test BLEU-4 {ucm.get('bleu4')}"
        )
        return cell + _deletion(dl)
    if e.task == "caption-photo":
        val, whole, dl = m.get("flickr8k_val", {}), m.get("flickr8k_val_all", {}), e.card.raw.get("deletion", {})
        cell = (
            f"Flickr8k val without near-duplicates ({val.get('n_images')} photos): BLEU-4 {val.get('bleu4')}, "
            f"CIDEr {val.get('cider')}, {val.get('distinct_captions')} distinct captions; all "
            f"{whole.get('n_images')}: BLEU-4 {whole.get('bleu4')}"
        )
        return cell + _deletion(dl)
    if e.task.startswith("experiment"):
        lt = m.get("longest_third", {})
        return f"exact {pct(lt.get('exact'))} on lengths ≥ {m.get('longest_third_from')}"
    if e.task.startswith("translate"):
        test, train = m.get("test", {}), m.get("training_sample", {})
        return (
            f"test ({test.get('n')} sentences): chrF {test.get('chrf')}, BLEU {test.get('bleu')}, "
            f"exact {pct(test.get('exact_match'))}; 500 training sentences exact {pct(train.get('exact_match'))}"
        )
    if e.task.startswith("classify") or e.kind == "classifier":
        test = m.get("test", {})
        base = test.get("baseline", {}).get("accuracy")
        return f"test ({test.get('n', 0):,} reviews): accuracy {pct(test.get('accuracy'))}" + (
            f"; baseline beside it {pct(base)}" if base is not None else ""
        )
    return ", ".join(f"{k} {v}" for k, v in m.items() if isinstance(v, float))


def render() -> str:
    """The whole block: the table, its footnote, and each model's training command."""
    entries = sorted(registry.catalog(), key=lambda e: (e.task, e.card.raw.get("order", 0), e.name))
    lines = ["| model | task | size | trained in | quality (fresh held-out data) |", "| --- | --- | --- | --- | --- |"]
    for e in entries:
        card = e.card.raw
        size = f"{card['weights']['bytes'] / 2**20:.1f} MB"
        shared = "shared" in card["training"].get("note", "")  # timed while other jobs used the cores
        wall = f"{card['training']['wall_time_s'] / 60:.1f} min" + (" ¹" if shared else "")
        lines.append(f"| `{e.name}` | {e.task} | {size} | {wall} | {quality(e)} |")
    lines += [
        "",
        "¹ trained while other jobs shared the 2 cores (fixed step count); the card's note gives the alone time.",
        "",
        "Each was made by exactly this command (also in its card):",
        "",
        "```bash",
        *(e.card.command for e in entries),
        "```",
    ]
    return "\n".join(lines)


def write(readme: Path = ROOT / "README.md") -> None:
    """Put the block between its markers in the README."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    readme.write_text(f"{head}{BEGIN}\n{render()}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(render())


if __name__ == "__main__":
    main()
