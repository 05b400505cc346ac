"""Mail choices under Mijn Praktijkbank, and the one-click unsubscribe link of every mail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.web.forms import parse
from api.web.page import Page, PageDep, done
from core.vocab import MailFrequency, NotificationKind
from schemas.mail import MailPreferencesUpdate
from services.mail import outbox, preferences, texts, unsubscribe

router = APIRouter(include_in_schema=False)
PREFERENCES_PATH = "/mijn/meldingen-instellingen"
Token = Annotated[str, Path(max_length=200)]


def _preferences_page(
    page: Page,
    configured: bool,
    chosen: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    groups = [
        (legend, [(kind.value, texts.KIND_LABELS[kind], preferences.DEFAULTS[kind].value) for kind in kinds])
        for legend, kinds in texts.GROUPS
    ]
    frequencies = [(f.value, texts.FREQUENCY_LABELS[f]) for f in MailFrequency]
    return page.render(
        "mail_preferences.html",
        status,
        groups=groups,
        frequencies=frequencies,
        frequency_labels={f.value: label for f, label in texts.FREQUENCY_LABELS.items()},
        chosen=chosen,
        errors=errors or {},
        configured=configured,
    )


@router.get(PREFERENCES_PATH, response_class=HTMLResponse)
def preferences_page(page: PageDep, runtime: RuntimeDep) -> HTMLResponse:
    """Per kind of notification: mail direct, in a daily or weekly digest, or never."""
    me = page.require_me()
    chosen = {k.value: f.value for k, f in preferences.of(page.session, me.id).items()}
    return _preferences_page(page, outbox.configured(runtime.settings), chosen)


@router.post(PREFERENCES_PATH, response_class=HTMLResponse)
async def save_preferences(request: Request, page: PageDep, runtime: RuntimeDep) -> Response:
    """Save the choices; a choice that is not one of the four is shown again beside its field."""
    form = await request.form()
    page.check_csrf(str(form.get("csrf", "")))
    me = page.require_me()
    sent = {kind.value: str(form.get(kind.value, "")) for kind in NotificationKind}
    data, errors = parse(MailPreferencesUpdate, sent, within="preferences")
    if data is None:
        return _preferences_page(page, outbox.configured(runtime.settings), sent, errors=errors, status=422)
    await run_in_threadpool(preferences.update, page.session, me.id, data)
    return done(PREFERENCES_PATH, "mail_preferences_saved")


@router.get("/afmelden/{token}", response_class=HTMLResponse)
def unsubscribe_page(page: PageDep, runtime: RuntimeDep, token: Token) -> HTMLResponse:
    """What the link in a mail unsubscribes from, with a button: following the link changes nothing."""
    found = unsubscribe.check(page.session, runtime.settings, token)
    return page.render_private("unsubscribe.html", what=found.what, digest=found.digest, token=token, done=False)


@router.post("/afmelden/{token}", response_class=HTMLResponse)
def unsubscribe_now(page: PageDep, runtime: RuntimeDep, token: Token) -> HTMLResponse:
    """Unsubscribe (RFC 8058 one-click: a mail program posts `List-Unsubscribe=One-Click` here). The signed link
    is the proof; no sign-in and no CSRF token, so it works from any mail program."""
    found = unsubscribe.confirm(page.session, runtime.settings, token)
    return page.render_private("unsubscribe.html", what=found.what, digest=found.digest, token=token, done=True)
