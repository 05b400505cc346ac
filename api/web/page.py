"""What every page route needs: who is looking, their CSRF token, and a way to render in the layout."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from api.deps import AccountDep, PolicyDep, SessionDep, refuse
from api.web.templating import templates
from api.web.texts import has, t
from core.errors import Unauthorized
from services import auth, follows, notifications
from services.access import AccessPolicy
from storage.models import Account, Person


@dataclass
class Page:
    request: Request
    session: Session
    policy: AccessPolicy
    account: Account | None
    me: Person | None
    csrf: str

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """The page in the layout. A page that answers with an error (a form shown again with what is wrong)
        writes nothing: the request's unit of work rolls back (``api.deps.get_session``)."""
        if status_code >= 400:
            refuse(self.request)
        notice = self.request.query_params.get("melding", "")
        base = {
            "me": self.me,
            "csrf": self.csrf,
            "reviewer": self.policy.reviews,
            "flash": t(f"notice.{notice}") if notice and has(f"notice.{notice}") else None,
            # asked only by what is shown: the header's count (one COUNT query), a page's follow buttons
            "unread": lambda: notifications.unread(self.session, self.policy) if self.me else 0,
            "following": follows.following(self.session, self.policy),
        }
        return templates.TemplateResponse(self.request, template, {**base, **context}, status_code=status_code)

    def render_private(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page that shows a secret once, or has one in its address: no cache keeps it, no Referer passes it on."""
        response = self.render(template, status_code, **context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def require_me(self) -> Person:
        if self.me is None:
            raise Unauthorized("sign in first")
        return self.me

    def check_csrf(self, sent: str) -> None:
        """Every form of a signed-in person carries the token of their session."""
        self.require_me()
        auth.require_csrf(self.csrf, sent)


async def get_page(request: Request, session: SessionDep, policy: PolicyDep, account: AccountDep) -> Page:
    me = await run_in_threadpool(auth.person_of, session, account) if account is not None else None
    page = Page(request, session, policy, account, me, getattr(request.state, "csrf_token", "") or "")
    # An error page of this request still shows who is signed in (api.web.errors), without asking the database.
    request.state.layout = {"me": SimpleNamespace(name=me.name) if me else None, "reviewer": policy.reviews}
    return page


PageDep = Annotated[Page, Depends(get_page)]
# Every form's CSRF token. Not a required field: a form without one is refused by the token check (403, "the form
# has expired"), like a wrong one, not as invalid input.
CsrfField = Annotated[str, Form(max_length=200)]


def done(path: str, notice: str) -> RedirectResponse:
    """After a successful form: back to a page, with a notice the layout shows (post/redirect/get)."""
    path, _, fragment = path.partition("#")
    separator = "&" if "?" in path else "?"
    anchor = f"#{fragment}" if fragment else ""
    return RedirectResponse(f"{path}{separator}melding={notice}{anchor}", status_code=303)
