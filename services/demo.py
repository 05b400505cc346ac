"""Demo accounts for a fresh install, only when asked for (``--demo``). Passwords are random, printed once."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit, auth
from storage.models import Account, Person
from storage.repositories import directory

# (email, person name, admin, community slug to be curator of)
DEMO = [
    ("beheer@demo.praktijkbank.nl", "Beheerder Demo", True, None),
    ("marieke@demo.praktijkbank.nl", "Marieke Verbeek", False, "leergemeenschap-jeugd-gezin-eemdal"),
    ("linda@demo.praktijkbank.nl", "Linda Bosman", False, None),
    ("sarah@demo.praktijkbank.nl", "Sarah Whitfield", False, None),
]


def create_demo_accounts(session: Session) -> list[str]:
    lines = []
    for email, name, admin, curator_of in DEMO:
        if session.scalar(select(Account.id).where(Account.email == email)):
            continue
        password = secrets.token_urlsafe(12)
        account = auth.create_account(session, email=email, name=name, password=password, is_admin=admin)
        role = ""
        if curator_of:
            community = directory.community_by_slug(session, curator_of)
            if community is not None:
                directory.set_member_role(session, community.id, account.person_id, "curator")
                audit.record(
                    session, None, "community.role", "community", community.id, {"person": name, "to": "curator"}
                )
                role = f", curator of {community.name}"
        person = session.get(Person, account.person_id)
        assert person is not None
        lines.append(f"{email}  password: {password}  ({name}{', admin' if admin else ''}{role})")
    return lines
