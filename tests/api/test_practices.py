"""Practices over HTTP: create, read, change with If-Match, history, archive, delete, list."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import IndexTask, PracticeVersion
from tests.factories import create_practice, make_directory, practice_body


def test_create_returns_the_practice_with_etag_and_location(client: TestClient) -> None:
    response = client.post("/api/v1/practices", json=practice_body(legal_frames=["wmo_2015"]))
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "wekelijks-inloopspreekuur-voor-mantelzorgers-in-de-bibliotheek"
    assert body["version"] == 1 and body["legal_frames"] == ["wmo_2015"]
    assert response.headers["ETag"] == f'"{body["id"]}.1"'
    assert response.headers["Location"] == f"/api/v1/practices/{body['id']}"
    assert client.get(f"/api/v1/practices/{body['slug']}").json()["id"] == body["id"]


def test_create_commits_the_practice_and_its_index_task_together(client: TestClient, runtime: Runtime) -> None:
    created = create_practice(client)
    with unit_of_work(runtime.sessions) as session:
        tasks = session.scalars(select(IndexTask.doc_id)).all()
    assert [str(t) for t in tasks] == [created["id"]]
    assert runtime.worker.drain() == 1
    assert runtime.index.count() == 1


def test_update_needs_the_current_etag_and_keeps_history(client: TestClient, runtime: Runtime) -> None:
    created = create_practice(client)
    url = f"/api/v1/practices/{created['id']}"
    etag = client.get(url).headers["ETag"]

    missing = client.patch(url, json={"title": "Nieuwe titel"})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    changed = client.patch(
        url, json={"title": "Nieuwe titel", "note": "titel verduidelijkt"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert changed.headers["ETag"] != etag

    stale = client.patch(url, json={"title": "Verloren wijziging"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    assert client.get(url).json()["title"] == "Nieuwe titel"  # the stale write changed nothing

    versions = client.get(f"{url}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["note"] == "titel verduidelijkt"
    assert versions[1]["practice"]["title"] == created["title"]
    assert client.get(f"{url}/versions/1").json()["practice"]["title"] == created["title"]
    assert client.get(f"{url}/versions/9").status_code == 404


def test_update_replaces_lists_and_clears_optional_sections(client: TestClient, runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        make_directory(session)
    created = create_practice(client, themes=["wmo", "wonen"], authors=["ine-tester"], goals="Minder overbelasting")
    url = f"/api/v1/practices/{created['id']}"
    etag = client.get(url).headers["ETag"]
    response = client.patch(
        url,
        json={
            "themes": ["wonen", "zorg_en_gezondheid"],
            "goals": None,
            "authors": [],
            "organisation": "gemeente-testdorp",
        },
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["themes"] == ["wonen", "zorg_en_gezondheid"]
    assert body["goals"] is None and body["authors"] == []
    assert body["organisation"]["slug"] == "gemeente-testdorp"


def test_archive_and_delete(client: TestClient, runtime: Runtime) -> None:
    created = create_practice(client)
    url = f"/api/v1/practices/{created['id']}"
    archived = client.post(f"{url}/archive")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert client.get(url).json()["status"] == "archived"  # still readable, with its history
    assert len(client.get(f"{url}/versions").json()) == 2

    stale = client.delete(url, headers={"If-Match": f'"{created["id"]}.1"'})
    assert stale.status_code == 412
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(PracticeVersion)) == 0
    runtime.worker.drain()
    assert runtime.index.count() == 0


def test_list_filters_and_cursor_pagination(client: TestClient, anon: TestClient) -> None:
    for n in range(5):
        create_practice(client, title=f"Praktijk nummer {n}", themes=["jeugd" if n % 2 else "wmo"])
    create_practice(client, title="Concept", status="draft")

    first = anon.get("/api/v1/practices", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    seen = [p["title"] for p in page["items"]]
    while page["next_cursor"]:
        page = anon.get("/api/v1/practices", params={"limit": 2, "cursor": page["next_cursor"]}).json()
        seen += [p["title"] for p in page["items"]]
    assert sorted(seen) == sorted(f"Praktijk nummer {n}" for n in range(5))  # drafts are not for anonymous readers
    assert len(set(seen)) == 5

    jeugd = anon.get("/api/v1/practices", params={"theme": "jeugd"}).json()["items"]
    assert {p["title"] for p in jeugd} == {"Praktijk nummer 1", "Praktijk nummer 3"}
    both = anon.get("/api/v1/practices", params=[("theme", "jeugd"), ("theme", "wmo")]).json()["items"]
    assert len(both) == 5
    assert len(client.get("/api/v1/practices", params={"theme": "wmo"}).json()["items"]) == 4  # admin: + draft
    assert anon.get("/api/v1/practices", params={"language": "en"}).json()["items"] == []


def test_drafts_and_private_practices_are_not_found_by_outsiders(client: TestClient, anon: TestClient) -> None:
    draft = create_practice(client, status="draft")
    internal = create_practice(client, title="Interne werkwijze", visibility="internal")
    for practice in (draft, internal):
        response = anon.get(f"/api/v1/practices/{practice['id']}")
        assert response.status_code == 404  # not 403: outsiders learn nothing
        assert anon.get(f"/api/v1/practices/{practice['id']}/versions").status_code == 404
        assert anon.get(f"/api/v1/practices/{practice['id']}/similar").status_code == 404
        assert client.get(f"/api/v1/practices/{practice['id']}").status_code == 200  # the admin sees it
