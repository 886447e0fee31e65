"""The bundle's sanity checks of its maps: ``models/sanity.json``, next to the manifest.

``facexai audit --sanity --store-sanity`` writes it (facexai.evaluation.audit.sanity computes it);
``GET /models`` serves each model's part as ``sanity``. Format (one JSON object)::

    {"version": 1, "made_by": "facexai audit --sanity", "labels": "fairface_label_val.csv", "limit": 4000,
     "faces_per_race": 8, "seed": 0, "ig": {"steps": 16, ...}, "explained": "predicted class",
     "fail_above": 0.5, "models": {"race": {"integrated_gradients": {
        "cascading": [{"block": "head", "layers": ["head"], "n": 56, "constant_maps": 0,
                       "spearman": {"mean", "ci_low", "ci_high"}, "ssim": {...}, "hog": {...}}, ...],
        "independent": [...],  # when run
        "random_logit": {"n", "constant_maps", "spearman", "ssim", "hog"},
        "passes": true, "random_logit_passes": true, "summary": "after randomising the top block ..."},
      "grad_cam": {...}}, ...}}

Read by name (``sanity.json`` in the manifest's folder); a bundle without it has no ``sanity``.
"""

from __future__ import annotations

import json
from typing import Any

from facexai.models.manifest import Manifest

FILE_NAME = "sanity.json"
FORMAT_VERSION = 1


def load_sanity(manifest: Manifest) -> dict[str, dict[str, Any]]:
    """model -> {"faces", "source", method -> result} from the bundle's sanity.json; {} without one
    (or an unreadable one: the models page then says nothing rather than failing)."""
    path = manifest.root / FILE_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if data.get("version") != FORMAT_VERSION:
        return {}
    ig = data.get("ig", {})
    rule = str(ig.get("rule", "")).replace("_", "-")
    source = (
        f"facexai audit --sanity on {data.get('labels', '?')} (first {data.get('limit') or 'all'} rows), "
        f"{data.get('faces_per_race', '?')} faces per race, IG {ig.get('steps', '?')} {rule} points"
    )
    out: dict[str, dict[str, Any]] = {}
    for name, methods in data.get("models", {}).items():
        faces = max((int(m.get("random_logit", {}).get("n", 0)) for m in methods.values()), default=0)
        out[name] = {"faces": faces, "source": source, "fail_above": data.get("fail_above", 0.5), **methods}
    return out
