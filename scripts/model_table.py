"""Print the README's table of shipped models from their cards (the metrics there came from models.evaluate).

python scripts/model_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import registry


def pct(value) -> str:
    return "—" if value is None else f"{value:.2%}"


def main() -> None:
    entries = sorted(registry.catalog(), key=lambda e: (e.task, e.card.get("order", 0), e.name))
    print("| model | task | size | trained in | quality (fresh held-out data) |")
    print("| --- | --- | --- | --- | --- |")
    for e in entries:
        card, m = e.card, e.card.get("metrics", {})
        size = f"{card['weights']['bytes'] / 2**20:.1f} MB"
        shared = "shared" in card["training"].get("note", "")  # timed while other jobs used the cores
        wall = f"{card['training']['wall_time_s'] / 60:.1f} min" + (" ¹" if shared else "")
        if e.task == "date":
            fam = m.get("per_family", {})
            quality = (
                f"exact {pct(m.get('exact_match'))} of {m.get('n'):,}; worst family "
                f"{min(fam, key=fam.get) if fam else '—'} {pct(min(fam.values()) if fam else None)}; "
                f"alignment {pct(m.get('alignment_accuracy'))}"
            )
        elif e.task == "caption":
            quality = (
                f"exact {pct(m.get('exact_match'))} of {m.get('n'):,}; object F1 {pct(m.get('object_f1'))}; "
                f"BLEU-4 {m.get('bleu4')}; pointing {pct(m.get('pointing_game'))}; "
                f"mass in box {pct(m.get('attention_correctness'))}"
            )
        elif e.task.startswith("experiment"):
            lt = m.get("longest_third", {})
            quality = f"exact {pct(lt.get('exact'))} on lengths ≥ {m.get('longest_third_from')}"
        elif e.task.startswith("translate"):
            test, train = m.get("test", {}), m.get("training_sample", {})
            quality = (
                f"test ({test.get('n')} sentences): chrF {test.get('chrf')}, BLEU {test.get('bleu')}, "
                f"exact {pct(test.get('exact_match'))}; 500 training sentences exact {pct(train.get('exact_match'))}"
            )
        else:
            quality = ", ".join(f"{k} {v}" for k, v in m.items() if isinstance(v, float))
        print(f"| `{e.name}` | {e.task} | {size} | {wall} | {quality} |")
    print("\n¹ trained while other jobs shared the 2 cores (fixed step count); the card's note gives the alone time.")


if __name__ == "__main__":
    main()
