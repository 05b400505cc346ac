"""Plain factory functions for tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from storage.models import Community, Organisation, Person
from storage.repositories import directory


def practice_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Wekelijks inloopspreekuur voor mantelzorgers in de bibliotheek",
        "summary": "Mantelzorgers kunnen elke week zonder afspraak terecht met vragen over respijtzorg en hulp.",
        "situation": "Mantelzorgers raakten overbelast en wisten niet waar ze terecht konden.",
        "approach": "Een Wmo-consulent en een vrijwilliger houden elke dinsdag spreekuur in de bibliotheek.",
        "themes": ["wmo"],
        "language": "nl",
        "status": "published",
        "visibility": "public",
    }
    body.update(overrides)
    return body


def create_practice(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/practices", json=practice_body(**overrides))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def make_directory(session: Session) -> tuple[Organisation, Person, Community]:
    org = directory.ensure_organisation(session, "Gemeente Testdorp", region="Utrecht")
    person = directory.ensure_person(session, "Ine Tester", role="Wmo-consulent", organisation=org)
    community = directory.ensure_community(session, "Leergemeenschap Testdorp")
    directory.ensure_member(session, community.id, person.id)
    return org, person, community
