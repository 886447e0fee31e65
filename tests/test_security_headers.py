"""Security headers: `facexai serve`'s app (the web app mounted at /, the API, the docs) sends them on every
answer, the docs their own policy whose script hash is the script FastAPI serves, and the compose stack's
nginx (frontend/nginx.conf) sends the same values. Chromium passing the app under this policy:
frontend/e2e/app.spec.ts ("no Content-Security-Policy violation ...")."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from conftest import REPO
from fastapi.testclient import TestClient

from facexai.api.main import create_app
from facexai.api.security import APP_POLICY, DOCS_POLICY, HEADERS, PERMISSIONS_POLICY, SWAGGER_INIT_SHA256
from facexai.service.settings import Settings

NGINX_CONF = REPO / "frontend" / "nginx.conf"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text('<!doctype html><title>facexai</title><script type="module" src="/assets/a.js">')
    (dist / "assets").mkdir()
    (dist / "assets" / "a.js").write_text("console.log('facexai')")
    with TestClient(create_app(Settings(frontend_dist=dist), load_models=False)) as client:
        yield client


def policy(header: str) -> dict[str, list[str]]:
    """A CSP as directive -> its sources."""
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_answer_of_the_served_app_has_the_headers(served) -> None:
    answers = {
        "the web app": served.get("/"),
        "its script": served.get("/assets/a.js"),
        "a missing file": served.get("/assets/missing.js"),
        "the API": served.get("/openapi.json"),
        "an API error": served.get("/analyses/nope/faces/0/explanations/race"),
        "a wrong method": served.put("/analyze"),
        "forgetting": served.delete("/analyses/nope"),
    }
    for what, r in answers.items():
        assert r.headers["Content-Security-Policy"] == APP_POLICY, what
        for name, value in HEADERS.items():
            assert r.headers[name] == value, (what, name)
            assert len(r.headers.get_list(name)) == 1, (what, name)
    assert answers["its script"].headers["Content-Type"].startswith("text/javascript")  # nosniff needs it right


def test_the_app_policy_allows_only_what_the_app_needs() -> None:
    csp = policy(APP_POLICY)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]  # no inline code, no eval
    assert csp["img-src"] == ["'self'", "data:", "blob:"]  # base64 PNGs, the chosen photo's object URL
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)
    assert HEADERS["X-Content-Type-Options"] == "nosniff" and HEADERS["X-Frame-Options"] == "DENY"
    features = dict(item.split("=") for item in PERMISSIONS_POLICY.split(", "))
    assert features.pop("camera") == "(self)" and set(features.values()) == {"()"}
    assert "microphone" in features and "geolocation" in features


def test_the_docs_get_their_own_policy_and_it_allows_their_inline_script(served) -> None:
    for path in ("/docs", "/redoc"):
        r = served.get(path)
        assert r.status_code == 200 and r.headers["Content-Security-Policy"] == DOCS_POLICY, path
    csp = policy(DOCS_POLICY)
    assert "https://cdn.jsdelivr.net" in csp["script-src"] and "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    # the hash of each inline script FastAPI's Swagger UI page has (an upgrade that changes it fails here)
    inline = re.findall(r"<script>(.*?)</script>", served.get("/docs").text, re.DOTALL)
    assert inline, "no inline script on /docs"
    for script in inline:
        digest = "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert digest == SWAGGER_INIT_SHA256, f"/docs's inline script is now {digest}: set SWAGGER_INIT_SHA256"
        assert f"'{digest}'" in csp["script-src"]
    assert "validatorUrl" in inline[0]  # no badge from validator.swagger.io (it would be blocked, and tell it the URL)


def nginx_headers(conf: str) -> dict[str, str]:
    """`add_header Name "value" always;` lines of nginx.conf, and its two policies (the map's values)."""
    headers = dict(re.findall(r'^\s*add_header ([\w-]+) "([^"]*)" always;', conf, re.MULTILINE))
    block = re.search(r"map \$uri \$facexai_csp \{(.*?)\n\}", conf, re.DOTALL)
    assert block, "nginx.conf has no map of the CSP"
    policies = dict(re.findall(r'^\s*(\S+) "([^"]*)";', block.group(1), re.MULTILINE))
    headers["csp default"] = policies["default"]
    headers["csp docs"] = policies["~^/(docs|docs/oauth2-redirect|redoc)$"]
    return headers


def test_nginx_sends_the_same_headers() -> None:
    conf = NGINX_CONF.read_text()
    headers = nginx_headers(conf)
    assert headers.pop("csp default") == APP_POLICY
    assert headers.pop("csp docs") == DOCS_POLICY
    assert headers == HEADERS
    assert "add_header Content-Security-Policy $facexai_csp always;" in conf
    for name in ["Content-Security-Policy", *HEADERS]:  # the backend's own copies, hidden: each is sent once
        assert f"proxy_hide_header {name};" in conf, name


def test_nginx_limits_the_work_paths_per_client() -> None:
    conf = NGINX_CONF.read_text()
    assert re.search(r"limit_req_zone \$binary_remote_addr zone=facexai_work:\S+ rate=\$\{FACEXAI_RATE_LIMIT\};", conf)
    assert "limit_req_status 429;" in conf
    work = re.search(r"location ~ \^/\(analyze\|analyses\)\(/\|\$\) \{(.*?)\n    \}", conf, re.DOTALL)
    assert work and "limit_req zone=facexai_work burst=${FACEXAI_RATE_BURST};" in work.group(1)
    assert "error_page 429 @rate_limited;" in work.group(1)
    assert '"code": "rate_limited"' in conf and "add_header Retry-After $facexai_retry_after always;" in conf
    # the defaults, where the image and the compose file set them
    dockerfile = (REPO / "frontend" / "Dockerfile").read_text()
    compose = (REPO / "docker-compose.yml").read_text()
    assert "COPY nginx.conf /etc/nginx/templates/default.conf.template" in dockerfile
    for name, default in (("FACEXAI_RATE_LIMIT", "5r/s"), ("FACEXAI_RATE_BURST", "20")):
        assert f"{name}={default}" in dockerfile and f"{name}: ${{{name}:-{default}}}" in compose
