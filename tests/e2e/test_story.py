"""The whole story of the issue, in Debian's Chromium: search and filter, ask the network, answer and accept,
write and review, findable after publishing; an outsider never sees a community practice; axe-core on every
page type; keyboard-only search and ask; stored XSS inert in the browser; a 375 px phone without sideways scroll.

One service (a thread in this process) and one browser serve the whole module, to keep it fast."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from core.vocab import MailFrequency, NotificationKind
from services import auth, notifications
from services.access import AccessPolicy
from services.mail import compose, content
from services.runtime import Runtime
from storage.base import utcnow
from storage.database import unit_of_work
from storage.models import Account, Practice, Question
from tests.conftest import SEED_DIR, bearer, seed
from tests.e2e.service import serving
from tests.factories import make_world

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PASSWORD = "een-lang-wachtwoord-123"
COMMUNITIES = ("Leergemeenschap Schuldhulp Oost", "Lerend Netwerk Wijkteams Zuidermeer")
COMMUNITY_PRACTICE = "Inwoners die de deur dichthouden"  # visibility: community (Zuidermeer)
XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">klik</a>'
# Out of domain: the pages answer with the "nothing strong" warning and its button-link to ask the network.
OUT_OF_DOMAIN = "Welke+strooiroutes+rijdt+de+gemeente+bij+gladheid%3F"


@dataclass
class Story:
    url: str
    runtime: Runtime
    browser: Any
    admin_token: str
    xss_pages: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def page(self, email: str | None = None, *, width: int = 1280, axe: bool = False) -> Any:
        # axe-core is injected as an inline script, which the pages' CSP forbids: only the axe checks bypass it.
        context = self.browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=axe)
        page = context.new_page()
        page.set_default_timeout(30_000)
        dialogs: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.dialogs = dialogs
        if email:
            page.goto(f"{self.url}/inloggen")
            page.fill("#veld-email", email)
            page.fill("#veld-password", PASSWORD)
            page.click("main form button[type=submit]")
            page.wait_for_selector("text=Ingelogd als")
        return page

    def go(self, page: Any, path: str) -> Any:
        response = page.goto(f"{self.url}{path}")
        self.visited.append(path)
        return response


def _subset(folder: Path) -> Path:
    """The seed practices of a few communities (with a community-only one): enough for the story, quick to index."""
    folder.mkdir()
    for source in SEED_DIR.glob("*.md"):
        text = source.read_text()
        if any(f"community: {name}" in text for name in COMMUNITIES) or source.name == "README.md":
            shutil.copy(source, folder / source.name)
    return folder


@pytest.fixture(scope="module")
def story(module_runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    from playwright.sync_api import sync_playwright

    runtime = module_runtime
    seed(runtime, _subset(tmp_path_factory.mktemp("story") / "seed"))
    people = {"admin": "Beheer", "vrager": "Anna Vrager", "collega": "Cor Collega", "auteur": "Aad Auteur",
              "curator": "Carla Curator", "buiten": "Bert Buiten"}  # fmt: skip
    kring = {"Leergemeenschap Schuldhulp Oost": {"aad-auteur": "member", "carla-curator": "curator"}}  # from the seed
    admin_token = make_world(runtime, people, kring, password=PASSWORD)["admin"]
    with serving(create_app(runtime.settings, runtime=runtime)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield Story(url, runtime, browser, admin_token)
        browser.close()


def test_the_whole_story(story: Story) -> None:
    # A visitor searches, filters on a theme (htmx swaps the results in place) and opens a practice.
    visitor = story.page()
    story.go(visitor, "/")
    visitor.fill("#veld-q", "Een gezin met schulden opent de post niet meer")
    visitor.click("form[role=search] button[type=submit]")
    visitor.wait_for_selector("article.pb-hit")
    assert visitor.locator("article.pb-hit mark").count() > 0
    visitor.check("#veld-theme-schuldhulp")
    visitor.wait_for_url(re.compile(r"theme=schuldhulp"))
    visitor.wait_for_selector("#veld-theme-schuldhulp:checked")
    assert visitor.locator("article.pb-hit").count() >= 1
    visitor.wait_for_selector("#netwerk #kop-netwerk")  # the network panel loaded beside the results
    first = visitor.locator("article.pb-hit h2 a").first
    title = first.inner_text()
    first.click()
    visitor.wait_for_selector("h1#kop-praktijk")
    assert visitor.locator("h1#kop-praktijk").inner_text() == title
    practice_path = visitor.url.removeprefix(story.url)
    story.visited.append(practice_path)

    # A professional signs in, asks, sees the network, and posts the question.
    asker = story.page("vrager@test.nl")
    story.go(asker, "/")
    asker.click("nav >> text=Vraag het netwerk")
    asker.fill(
        "#veld-vraag", "Hoe help ik iemand met schulden om zelf de post te ordenen en een kasboek bij te houden?"
    )
    asker.click("text=Kijk wie ervan weet")
    asker.wait_for_selector("text=Wie weet ervan")
    assert asker.locator("aside a[href^='/mensen/']").count() >= 1  # people, each with a reason
    assert asker.locator("aside .pb-reason").count() >= 1
    asker.fill("#veld-title", "Gezin met schulden opent de post niet")
    asker.click("#stellen button[type=submit]")
    asker.wait_for_selector("text=Je vraag staat in het netwerk")
    question_path = asker.url.split("?")[0].removeprefix(story.url)
    story.visited.append(question_path)

    # A colleague answers; the asker accepts.
    colleague = story.page("collega@test.nl")
    story.go(colleague, "/vragen")
    colleague.click("text=Gezin met schulden opent de post niet")
    colleague.fill("#veld-body", "Ga samen met de budgetcoach langs en open de post aan de keukentafel.")
    colleague.click("text=Antwoord plaatsen")
    colleague.wait_for_selector("text=Je antwoord is geplaatst")
    story.go(asker, question_path)
    asker.click("text=Dit antwoord accepteren")
    asker.wait_for_selector(".pb-answer--accepted")

    # An author writes a draft: the similar-check shows while typing; then submits it for review.
    author = story.page("auteur@test.nl")
    story.go(author, "/praktijken/nieuw")
    author.fill("#veld-title", "Keukentafelgesprekken over geld met gezinnen in de schuldhulp")
    author.fill("#veld-summary", "Budgetcoaching aan de keukentafel met een ordner en een kasboek voor gezinnen.")
    author.wait_for_selector("#vergelijkbaar li a")  # 'lijkt op een bestaande praktijk'
    author.check("#veld-themes-schuldhulp")
    author.fill("#veld-situation", "Gezinnen met schulden raken het overzicht kwijt en openen de post niet.")
    author.fill("#veld-approach", "- wekelijks huisbezoek\n- samen de post openen\n- een kasboek bijhouden")
    author.select_option("#veld-community", "leergemeenschap-schuldhulp-oost")
    author.click("button[value=submit]")
    author.wait_for_selector("text=Aangeboden ter beoordeling")
    draft_path = author.url.split("?")[0].removeprefix(story.url)
    slug = draft_path.rsplit("/", 1)[1]

    # A curator publishes it with a recognition level and its explanation.
    curator = story.page("curator@test.nl")
    story.go(curator, "/beoordelen")
    form = curator.locator(f"form[action='/praktijken/{slug}/beoordeling']")
    form.locator("select[name=level]").select_option("goed_beschreven")
    form.locator("textarea[name=comment]").fill("Doel, doelgroep en aanpak zijn helder; een ander kan het toepassen.")
    form.locator("button[value=publish]").click()
    curator.wait_for_selector("text=Gepubliceerd.")
    assert "Goed beschreven" in curator.locator("aside").inner_text()

    # Now it is findable.
    story.runtime.worker.drain()
    story.go(visitor, "/?q=keukentafelgesprekken+over+geld+met+gezinnen")
    assert visitor.locator(f"article.pb-hit a[href='/praktijken/{slug}']").count() == 1

    # An outsider never sees the community practice on any page of the story, nor by looking for it.
    outsider = story.page("buiten@test.nl")
    looks = ["/?q=outreachend+werken+vaste+aanbeller", "/vragen/nieuw?vraag=deur+dichthouden+vaste+aanbeller",
             "/netwerk?q=deur+dichthouden", "/gemeenschappen/lerend-netwerk-wijkteams-zuidermeer", "/mijn"]  # fmt: skip
    # Each page as the visitor and as the outsider must get: the status (after redirects) and the heading, so a page
    # that failed or refused cannot pass for one without the practice. Signed-in pages send the visitor to sign in.
    sign_in, findable = (200, "Inloggen"), "keukentafelgesprekken over geld met gezinnen"
    expected: dict[str, tuple[tuple[int, str], tuple[int, str]]] = {  # path -> (visitor, outsider)
        "/": ((200, "Vind wat werkt in het sociaal domein"),) * 2,
        practice_path: ((200, title),) * 2,
        question_path: ((404, "Pagina niet gevonden"), (200, "Gezin met schulden opent de post niet")),  # internal
        "/vragen": ((200, "Vragen aan het netwerk"),) * 2,
        "/praktijken/nieuw": (sign_in, (200, "Praktijk beschrijven")),
        "/beoordelen": (sign_in, (200, "Beoordelen")),
        f"/?q={findable.replace(' ', '+')}": ((200, f"Resultaten voor ‘{findable}’"),) * 2,
        looks[0]: ((200, "Resultaten voor ‘outreachend werken vaste aanbeller’"),) * 2,
        looks[1]: ((200, "Vraag het netwerk"),) * 2,
        looks[2]: ((200, "Wie weet ervan"),) * 2,  # a fragment: its heading is an h2
        looks[3]: ((200, "Lerend Netwerk Wijkteams Zuidermeer"),) * 2,
        "/mijn": (sign_in, (200, "Mijn Praktijkbank")),
    }
    assert set(expected) == {*story.visited, *looks}, "a page of the story without its expected status and heading"
    for path, answers in expected.items():
        for who, (status, heading) in zip((visitor, outsider), answers, strict=True):
            response = story.go(who, path)
            headings = who.locator("h1").all_inner_texts() or who.locator("h2").all_inner_texts()
            assert (response.status, headings[:1]) == (status, [heading]), path
            assert COMMUNITY_PRACTICE not in who.content(), path
    for page in (visitor, asker, colleague, author, curator, outsider):
        page.context.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_axe_finds_no_serious_violation_on_any_page_type(story: Story) -> None:
    practice = "budgetcoaching-zes-keukentafelsessies"
    public = ["/", "/?q=schulden+post+niet+openen", f"/praktijken/{practice}", f"/praktijken/{practice}/versies",
              "/vragen", "/vragen/nieuw?vraag=Hoe+help+ik+een+gezin+met+schulden", "/gemeenschappen",
              "/gemeenschappen/leergemeenschap-schuldhulp-oost", "/mensen", "/inloggen", "/bestaat-niet",
              f"/?q={OUT_OF_DOMAIN}", f"/vragen/nieuw?vraag={OUT_OF_DOMAIN}"]  # fmt: skip
    signed_in = ["/mijn", "/mijn/sleutels", "/mijn/feed", "/meldingen", "/mijn/meldingen-instellingen", "/praktijken/nieuw",
                 f"/praktijken/{practice}/bewerken", "/beoordelen"]  # fmt: skip
    people = story.page(axe=True)
    story.go(people, "/mensen")
    public.append(people.locator("main a[href^='/mensen/']").first.get_attribute("href"))
    questions = story.page("curator@test.nl", axe=True)
    story.go(questions, "/vragen")
    signed_in.append(questions.locator("main li a[href^='/vragen/']").first.get_attribute("href"))
    questions.context.close()
    people.context.close()
    found: dict[str, list[str]] = {}
    for email, paths in ((None, public), ("curator@test.nl", public + signed_in)):
        page = story.page(email, axe=True)
        for path in paths:
            story.go(page, path)
            page.wait_for_load_state("networkidle")
            for violation in _axe(page):
                found.setdefault(f"{email or 'anonymous'} {path}", []).append(
                    f"{violation['id']}: {violation['help']} ({violation['nodes'][0]['target']})"
                )
        page.context.close()
    assert not found, found


def _digest_html(story: Story, email: str) -> tuple[str, str]:
    """A daily digest for ``email`` with a practice and questions of several kinds (a shared question's text, a
    withheld one's note), built as the mail handler builds it: its HTML part and its unsubscribe link. The
    notifications are rolled back: nothing of it stays in the story's database."""
    settings = story.runtime.settings.model_copy(
        update={"mail_from": "Praktijkbank <noreply@praktijkbank.test>", "public_url": story.url}
    )
    with story.runtime.sessions() as session:
        account = session.scalars(select(Account).where(Account.email == email)).one()
        practice = session.scalars(select(Practice.id).where(Practice.slug == "budgetcoaching-zes-keukentafelsessies"))
        practice_id = practice.one()
        shared = Question(title="Wachtlijst schuldhulp overbruggen", body="Hoe overbruggen jullie de wachttijd?",
                          visibility="public", share_text=True, themes=[], answers=[])  # fmt: skip
        withheld = Question(title="Jongere met schulden opent zijn post niet", body="Casus.", visibility="public",
                            themes=[], answers=[])  # fmt: skip
        session.add_all([shared, withheld])
        session.flush()
        told = [
            (NotificationKind.APPLIED, "practice", practice_id),
            (NotificationKind.FEEDBACK, "practice", practice_id),
            (NotificationKind.SUGGESTED_QUESTION, "question", shared.id),
            (NotificationKind.SUGGESTED_QUESTION, "question", withheld.id),
            (NotificationKind.FOLLOWED, "question", shared.id),
        ]
        notes = []
        for kind, subject_kind, subject_id in told:
            key = f"answer:{uuid.uuid4()}"
            note = notifications.notify(session, account.person_id, kind, subject_kind, subject_id, key)
            assert note is not None
            notes.append(note)
        policy = AccessPolicy(auth.viewer_for(session, account))
        made, skipped = content.items(session, notes, policy, settings.base_url)
        assert len(made) == len(told) and not skipped
        to = compose.Recipient(account.person_id, "Bert Buiten", email)
        since = utcnow() - timedelta(days=1)
        message = compose.digest(settings, "digest:axe", to, MailFrequency.DAILY, since, made)
        session.rollback()
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    link = re.fullmatch(r"<(.+)>", str(message["List-Unsubscribe"]))
    assert link is not None and link.group(1).startswith(f"{story.url}/afmelden/")
    return html, link.group(1)


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_axe_finds_no_serious_violation_in_a_digest_or_on_the_unsubscribe_pages(story: Story) -> None:
    """What a mail leads to without signing in: the unsubscribe link's page, before and after its button; and a
    digest's HTML part, shown as a page (a mail program shows it as one)."""
    html, unsubscribe = _digest_html(story, "buiten@test.nl")
    found: dict[str, list[str]] = {}
    page = story.page(axe=True)
    page.set_content(html)
    assert page.locator("h1").count() == 1 and page.locator("a[href*='/praktijken/']").count() >= 2
    found["digest"] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    assert page.goto(unsubscribe).status == 200
    assert page.locator("h1").inner_text() == "Afmelden voor mail"
    found["unsubscribe"] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    page.click("main form button[type=submit]")
    page.wait_for_selector("main [role=status]")
    assert page.locator("h1").inner_text() == "Je bent afgemeld"
    found["unsubscribed"] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    page.context.close()
    assert not any(found.values()), found


def _focused(page: Any) -> dict[str, str]:
    focused: dict[str, str] = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').trim().slice(0, 80),"
        " href: e.getAttribute('href') || '', outline: s.outlineStyle, shadow: s.boxShadow}; }"
    )
    return focused


def _tab_to(page: Any, match: Any, limit: int = 80) -> dict[str, str]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if match(focused):
            assert focused["outline"] != "none" or focused["shadow"] != "none", f"no visible focus on {focused}"
            return focused
    raise AssertionError("never reached the element by keyboard")


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_search_and_ask_with_the_keyboard_only(story: Story) -> None:
    page = story.page()
    story.go(page, "/")
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["text"] == "Direct naar de inhoud" and skip["outline"] != "none"
    page.keyboard.press("Enter")
    _tab_to(page, lambda f: f["id"] == "veld-q")
    page.keyboard.type("Een jongere met schulden bij veel schuldeisers")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Zoeken")
    page.keyboard.press("Enter")
    page.wait_for_selector("article.pb-hit")
    link = _tab_to(page, lambda f: f["href"].startswith("/praktijken/"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(link["href"])))
    page.wait_for_selector("h1#kop-praktijk")

    story.go(page, "/inloggen")
    _tab_to(page, lambda f: f["id"] == "veld-email")
    page.keyboard.type("vrager@test.nl")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Ingelogd als")
    _tab_to(page, lambda f: f["href"] == "/vragen/nieuw")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/vragen/nieuw"))
    _tab_to(page, lambda f: f["id"] == "veld-vraag")
    page.keyboard.type("Wie weet hoe je zelf een schuldregeling treft met schuldeisers?")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Kijk wie ervan weet")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Wie weet ervan")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Stel deze vraag aan het netwerk")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Je vraag staat in het netwerk")
    page.context.close()


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_follow_and_read_notifications_with_the_keyboard_only(story: Story) -> None:
    practice = "budgetcoaching-zes-keukentafelsessies"
    page = story.page("collega@test.nl")
    story.go(page, f"/praktijken/{practice}")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].startswith("Volgen"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("melding=followed"))
    assert page.locator("form.pb-follow button").inner_text().startswith("Niet meer volgen")
    story.go(page, "/mijn")
    assert page.locator(f"#volgen a[href='/praktijken/{practice}']").count() == 1

    with unit_of_work(story.runtime.sessions) as session:  # news of what they follow: two unread notifications
        person_id = session.scalars(select(Account.person_id).where(Account.email == "collega@test.nl")).one()
        practice_id = session.scalars(select(Practice.id).where(Practice.slug == practice)).one()
        for _ in range(2):
            key = f"updated:{uuid.uuid4()}"
            notifications.notify(session, person_id, NotificationKind.FOLLOWED, "practice", practice_id, key)
    story.go(page, "/meldingen")
    unread = page.locator("li.pb-note--unread").count()
    assert unread >= 2
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].startswith("Markeer als gelezen"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("melding=notification_read"))
    assert page.locator("li.pb-note--unread").count() == unread - 1
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Alles gelezen")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("melding=notifications_read"))
    assert page.locator("li.pb-note--unread").count() == 0
    assert page.locator("li.pb-note").count() >= 2  # read, still listed
    page.context.close()


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_stored_xss_is_inert_in_the_browser(story: Story) -> None:
    admin = httpx.Client(base_url=story.url, headers=bearer(story.admin_token), timeout=60)
    body = {"title": f"Kwaadaardig {XSS}", "summary": f"Samenvatting {XSS}", "situation": f"Situatie {XSS}",
            "approach": f"Aanpak {XSS}\n\n- lijst {XSS}", "themes": ["wonen"], "status": "published",
            "visibility": "public"}  # fmt: skip
    practice = admin.post("/api/v1/practices", json=body).json()
    assert (
        admin.post(f"/api/v1/practices/{practice['id']}/feedback", json={"body": f"Feedback {XSS}"}).status_code == 201
    )
    question = admin.post("/api/v1/questions", json={"title": f"Vraag {XSS}", "body": f"Tekst {XSS}"}).json()
    assert (
        admin.post(f"/api/v1/questions/{question['id']}/answers", json={"body": f"Antwoord {XSS}"}).status_code == 201
    )
    story.runtime.worker.drain()
    page = story.page("auteur@test.nl")
    for path in (f"/praktijken/{practice['slug']}", f"/praktijken/{practice['slug']}/versies",
                 f"/vragen/{question['id']}", "/vragen", "/?q=kwaadaardig+situatie", "/vragen/nieuw?vraag=kwaadaardig"):  # fmt: skip
        story.go(page, path)
        page.wait_for_load_state("networkidle")
        scripts = page.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))")
        assert scripts == ["/static/vendor/htmx.min.js"], path
        handlers = page.evaluate(
            "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
            ".filter(a => a.name.startsWith('on') || a.value.trim().toLowerCase().startsWith('javascript:'))"
            ".map(a => e.tagName + ' ' + a.name))"
        )
        assert handlers == [], (path, handlers)
    assert page.dialogs == []
    page.context.close()


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
def test_a_phone_needs_no_sideways_scrolling(story: Story) -> None:
    page = story.page("curator@test.nl", width=375)
    for path in ("/", "/?q=schulden", "/praktijken/budgetcoaching-zes-keukentafelsessies", "/vragen/nieuw?vraag=schulden",
                 "/praktijken/nieuw", "/beoordelen", "/mijn/sleutels", f"/?q={OUT_OF_DOMAIN}"):  # fmt: skip
        story.go(page, path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    page.context.close()


@pytest.mark.sqlite_pass  # what the browser sees of a page; the story itself runs on both
@pytest.mark.parametrize("width", [1280, 390])
def test_the_navigation_lines_up_with_the_content(story: Story, width: int) -> None:
    """The top navigation's text starts where the page's content starts, on a wide screen (where the content column
    is centred) and on a phone (where the items wrap: each row starts there)."""
    page = story.page("curator@test.nl", width=width)
    for path in ("/", "/?q=schulden", "/praktijken/budgetcoaching-zes-keukentafelsessies", "/vragen"):
        story.go(page, path)
        edges = page.evaluate(
            """() => {
                const main = document.querySelector("main");
                const text = (node) => { const r = document.createRange(); r.selectNodeContents(node); return r; };
                const items = [...document.querySelectorAll(".pb-nav__list a")].map(a => text(a).getBoundingClientRect());
                return {
                    nav: items[0].left,
                    rows: items.filter((item, i) => i === 0 || item.top > items[i - 1].top).map(item => item.left),
                    content: main.getBoundingClientRect().left + parseFloat(getComputedStyle(main).paddingLeft),
                    first: main.firstElementChild.getBoundingClientRect().left,
                };
            }"""
        )
        assert abs(edges["nav"] - edges["content"]) < 0.5, (path, width, edges)
        assert abs(edges["first"] - edges["content"]) < 0.5, (path, width, edges)
        assert all(abs(left - edges["content"]) < 0.5 for left in edges["rows"]), (path, width, edges)
        if width < 400:
            assert len(edges["rows"]) > 1, edges  # signed in as a curator, the items wrap on a phone
    page.context.close()
