"""A client generated from the served OpenAPI document has clean method names: `api/search/search.py`, not
`search_api_v1_search_get`. Generated with openapi-python-client, as a tool's author would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import check_operation_ids, create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.sqlite_pass  # the document, not the database
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(make_settings(folder / "data", f"sqlite:///{folder / 'db.sqlite3'}"))
    response = TestClient(app).get("/api/v1/openapi.json")  # no lifespan: the document needs no runtime
    assert response.status_code == 200
    served: dict = response.json()
    return served


def operation_ids(document: dict) -> list[str]:
    return [op["operationId"] for ops in document["paths"].values() for method, op in ops.items() if method in METHODS]


def test_every_operation_has_a_unique_clean_id(document: dict) -> None:
    ids = operation_ids(document)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"search", "ask", "create_practice", "get_practice", "readyz"} <= set(ids)
    for op_id in ids:
        assert "api_v1" not in op_id and not op_id.endswith(tuple(f"_{m}" for m in METHODS)), op_id


def test_two_documented_routes_of_one_name_are_refused() -> None:
    app = FastAPI()
    app.get("/a")(lambda: None)
    app.get("/b")(lambda: None)  # both named <lambda>
    with pytest.raises(RuntimeError, match="share an operation id: <lambda>"):
        check_operation_ids(app)


def test_a_generated_client_has_clean_modules_and_imports(document: dict, tmp_path: Path) -> None:
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff hooks
    generated = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", "openapi.json", "--output-path", "tmp"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    output = generated.stdout + generated.stderr
    # The one warning allowed: the Atom feeds are not JSON, so the client returns their bytes as they come.
    warned = re.findall(r"WARNING parsing \w+ (\S+)", output)
    reasons = re.findall(r"Cannot parse [^\n]*\((Unsupported [^)]*)\)", output)
    assert all(path.startswith("/feeds/") for path in warned), output
    assert reasons == ["Unsupported content_type application/atom+xml"] * len(warned), output
    assert output.lower().count("warning") == len(warned) + 1, output  # + the summary line

    package = tmp_path / "tmp" / "praktijkbank_client"
    modules = sorted(p.relative_to(package / "api") for p in (package / "api").glob("*/*.py") if p.stem != "__init__")
    names = {f"{m.parent}/{m.stem}" for m in modules}
    assert {"search/search", "network/ask", "practices/create_practice", "practices/get_practice"} <= names, names
    assert len(names) == len(operation_ids(document))
    for name in names:
        assert "_api_v1_" not in name and not name.endswith(tuple(f"_{m}" for m in METHODS)), name

    dotted = [f"praktijkbank_client.api.{m.parent}.{m.stem}" for m in modules]
    check = "import importlib, sys\nfor name in sys.argv[1:]:\n    assert callable(importlib.import_module(name).sync_detailed), name\n"
    imported = subprocess.run(
        [sys.executable, "-W", "error", "-c", check, *dotted],
        cwd=tmp_path / "tmp",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
