"""Print the OpenAPI schema (the web app's client is generated from it): ``python -m facexai.api.openapi``."""

from __future__ import annotations

import json
import sys

from facexai.api.main import create_app
from facexai.service.settings import Settings


def main() -> None:
    app = create_app(Settings(frontend_dist="/nonexistent"), load_models=False)
    json.dump(app.openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
