"""Give the shipped shapes captioner its "is this a shapes-world scene?" rule, without retraining it.

The rule is the photo captioners' one on this model's own encoder (models/tasks/captions_shapes.py,
``scene_familiarity``): the pooled features of 2,000 freshly generated scenes give a mean, a deviation and 16
principal directions, 500 other scenes the threshold. /image uses it to send a shapes scene to this captioner
and any other picture elsewhere. A new run of ``python -m models.train caption`` fits the rule itself; this
script adds it to the checkpoint that was trained before the rule existed:

    python scripts/shapes_familiarity.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NAME = "caption-shapes"
COMMAND = "python scripts/shapes_familiarity.py"


def main() -> dict:
    from safetensors.torch import load_file

    from models import registry
    from models.captioner import Captioner, CaptionerConfig
    from models.tasks.captions_common import FAMILIARITY_KEY
    from models.tasks.captions_shapes import SCENE_DIRECTIONS, scene_familiarity

    card_path = registry.ASSETS_DIR / f"{NAME}.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    config = {**card["config"], "aerial_components": SCENE_DIRECTIONS}
    model = Captioner(CaptionerConfig(**config))
    own = model.state_dict()
    state = {k: v.to(own[k].dtype) for k, v in load_file(str(registry.ASSETS_DIR / f"{NAME}.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("aerial_") for k in missing):
        raise SystemExit(f"{NAME}'s weights do not fit its card: missing {missing}, unexpected {unexpected}")
    rule = {**scene_familiarity(model, card["training"]["seed"]), "command": COMMAND}
    dtype = card["weights"]["dtype"]
    head = {k: v for k, v in card.items() if k not in ("name", "format_version", "weights", "versions")}
    head |= {"config": config, FAMILIARITY_KEY: rule}
    registry.save_checkpoint(model, head, registry.ASSETS_DIR, NAME, dtype=dtype)
    print(json.dumps(rule, indent=1))
    return rule


if __name__ == "__main__":
    main()
