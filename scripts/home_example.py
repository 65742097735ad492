"""Write the home page's example heatmap: one decode of a shipped date model, saved as plain JSON.

The home page draws it without loading torch or a model (its first paint must not wait for them); a test
(tests/models/test_home_example.py) decodes the same input again and fails when the file no longer matches
the model, with this command to run:

    python scripts/home_example.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PATH = ROOT / "assets" / "examples" / "home.json"
MODEL = "date-additive"
TEXT = "TUESDAY, SEPTEMBER 25, 1984"


def example_document() -> dict:
    """The decode of ``TEXT`` by ``MODEL`` as a JSON-ready dict (the fields of models.results.Alignment)."""
    from models import registry

    checkpoint = registry.load_checkpoint(MODEL, device="cpu")
    best = checkpoint.model.decode([TEXT], beam_width=1)[0][0]
    return {
        "model": MODEL,
        "input": TEXT,
        "command": "python scripts/home_example.py",
        "source": best.source,
        "target": best.target,
        "weights": [[round(float(w), 6) for w in row] for row in best.weights],
        "score": round(float(best.score), 6),
        "text": best.text,
        "has_attention": best.has_attention,
    }


def main() -> int:
    PATH.parent.mkdir(parents=True, exist_ok=True)
    fields = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in example_document().items()]
    PATH.write_text("{\n" + ",\n".join(fields) + "\n}\n", encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
