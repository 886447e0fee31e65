"""The OpenAPI schema: what FastAPI generates, plus what it cannot say by itself. Printed (the web app's
client is generated from it) by ``python -m facexai.api.openapi``."""

from __future__ import annotations

import json
import sys
from typing import Any

ANALYZE = ("/analyze", "post")
#: the follow-ups name an analysis by the id POST /analyze answered, and one of its faces
FOLLOW_UP_PREFIX = "/analyses/{analysis_id}/faces/{face_index}/"
FOLLOW_UP_PARAMETERS = {"analysis_id": "$response.body#/analysis_id", "face_index": "$response.body#/faces/0/index"}
#: the analysis itself: DELETE forgets it
ANALYSIS = "/analyses/{analysis_id}"


def link_follow_ups(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from POST /analyze's 200 to every operation on one of its faces, and to forgetting
    the analysis (clients and fuzzers then know where the id and the face index come from)."""
    path, method = ANALYZE
    links = {}
    for follow_path, operations in sorted(schema["paths"].items()):
        if not follow_path.startswith(FOLLOW_UP_PREFIX):
            continue
        for follow_method, operation in operations.items():
            name = follow_path.removeprefix(FOLLOW_UP_PREFIX).split("/")[0]  # explanations, grid, compare
            links[name if len(operations) == 1 else f"{name}_{follow_method}"] = {
                "operationId": operation["operationId"],
                "parameters": dict(FOLLOW_UP_PARAMETERS),
                "description": f"{follow_method.upper()} {follow_path} for the first face of this analysis",
            }
    if forget := schema["paths"].get(ANALYSIS, {}).get("delete"):
        links["forget"] = {
            "operationId": forget["operationId"],
            "parameters": {"analysis_id": FOLLOW_UP_PARAMETERS["analysis_id"]},
            "description": f"DELETE {ANALYSIS}: forget this analysis now",
        }
    schema["paths"][path][method]["responses"]["200"]["links"] = links
    return schema


def main() -> None:
    from facexai.api.main import create_app  # the app links its own schema
    from facexai.service.settings import Settings

    app = create_app(Settings(frontend_dist="/nonexistent"), load_models=False)
    json.dump(app.openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
