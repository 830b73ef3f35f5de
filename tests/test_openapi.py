"""The API's contract: the committed OpenAPI schema matches the code, and the docs page
works without the internet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from idic.api import api

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
REGENERATE = (
    "uv run --frozen idic export_openapi_schema --api idic.api.api --sorted --indent 2 "
    "--output docs/openapi.json"
)


def _live_schema() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))


def _differences(old, new, path="") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            where = f"{path}/{key}"
            if key not in old:
                found.append(f"added {where}")
            elif key not in new:
                found.append(f"removed {where}")
            else:
                found += _differences(old[key], new[key], where)
        return found
    return [] if old == new else [f"changed {path or '/'}"]


def test_committed_openapi_schema_matches_the_code():
    # given the schema committed in docs/ and the one the code produces
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    live = _live_schema()
    # then they are the same; otherwise the API changed without its contract
    differences = _differences(committed, live)
    assert not differences, (
        "docs/openapi.json is out of date with the API ("
        + "; ".join(differences[:10])
        + f"). If the change is intended, regenerate it: {REGENERATE}"
    )


@pytest.mark.django_db
def test_openapi_json_is_served():
    # given the running API / when the schema is fetched / then it is the live schema
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "IDIC API"
    assert "/api/customers/{customer_id}/360" in response.json()["paths"]


@pytest.mark.django_db
def test_docs_page_loads_only_local_assets():
    # given the docs page
    client = Client()
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    # then it names no other host: every script and stylesheet comes from this server
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = client.get(asset)
        served.close()  # static files stream from an open file
        assert served.status_code == 200, asset
    # and Swagger UI is told not to fetch its validator badge from the internet
    assert '"validatorUrl": null' in html


@pytest.mark.django_db
def test_docs_init_script_fetches_nothing_remote():
    # given the script that starts Swagger UI / then it holds no remote address
    response = Client().get("/static/ninja/swagger-ui-init.js")
    script = b"".join(response.streaming_content)
    response.close()
    assert response.status_code == 200
    assert not re.search(rb"https?://", script)
