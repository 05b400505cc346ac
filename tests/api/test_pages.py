"""The web pages, through HTTP: Dutch HTML errors, security headers, rendered and sanitised Markdown, facets and
paging, forms with CSRF and errors beside the field, optimistic concurrency, the review flow, and stored XSS."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from core.vocab import NotificationKind
from services import notifications
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account
from tests.conftest import bearer
from tests.factories import csrf_of, make_world, practice_body, sign_in

PASSWORD = "een-lang-wachtwoord-123"
XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">klik</a>'
MARKDOWN_APPROACH = (
    "**Signaal.** De school belt het wijkteam.\n\n- eerst bellen\n- dan langsgaan\n\n[meer](https://example.org)"
)


@dataclass
class Site:
    app: FastAPI
    runtime: Runtime
    admin: TestClient  # bearer token of an admin, for setting up
    practices: dict[str, dict]

    def browser(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def signed_in(self, email: str) -> TestClient:
        return sign_in(self.app, email, PASSWORD)


@pytest.fixture(scope="module")
def site(module_runtime: Runtime) -> Iterator[Site]:
    runtime = module_runtime
    roles = ("auteur", "beoordelaar", "collega", "buitenstaander")
    people = {"admin": "Beheer"} | {role: f"Persoon {role.title()}" for role in roles}
    kring = {"Kring A": {"persoon-auteur": "member", "persoon-beoordelaar": "curator"}}
    admin_token = make_world(runtime, people, kring, password=PASSWORD)["admin"]
    app = create_app(runtime.settings, runtime=runtime)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(admin_token)) as admin:
        practices = {}
        specs = {
            "markdown": {"title": "Schoolverzuim samen aanpakken", "approach": MARKDOWN_APPROACH, "themes": ["onderwijs"]},
            "wmo": {"title": "Mantelzorgspreekuur in de bibliotheek", "themes": ["wmo"]},
            "xss": {"title": f"Gevaarlijke titel {XSS}", "summary": f"Samenvatting {XSS}", "approach": XSS,
                    "situation": f"Situatie {XSS}", "themes": ["wonen"]},
            "community": {"title": "Mosterdzaadje in de kring", "summary": "Alleen voor de kring: mosterdzaadje.",
                          "visibility": "community", "community": "kring-a", "themes": ["wmo"]},
        }  # fmt: skip
        for key, overrides in specs.items():
            response = admin.post("/api/v1/practices", json=practice_body(**overrides))
            assert response.status_code == 201, response.text
            practices[key] = response.json()
        for n in range(12):  # enough related practices for a second page of results
            body = practice_body(title=f"Mantelzorg ondersteunen, variant {n}", themes=["wmo", "participatie"])
            assert admin.post("/api/v1/practices", json=body).status_code == 201
        runtime.worker.drain()
        yield Site(app, runtime, admin, practices)


def heading(html: str) -> str:
    """The page's h1 (a fragment's first h2): what says which page this is, so an error page cannot pass for it."""
    for level in (1, 2):
        if match := re.search(rf"<h{level}[^>]*>(.*?)</h{level}>", html, re.S):
            return match.group(1).strip()
    return ""


# --- errors and headers --------------------------------------------------------------------------------


def test_a_missing_page_is_a_dutch_html_page_and_the_api_keeps_problem_json(site: Site) -> None:
    page = site.browser().get("/praktijken/bestaat-niet")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text and '<html lang="nl"' in page.text
    assert "no practice" not in page.text  # the API's English detail stays in the API
    api = site.browser().get("/api/v1/practices/bestaat-niet")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert site.browser().get("/bestaat/helemaal/niet").text.count("Pagina niet gevonden") >= 1


def test_an_unexpected_error_on_a_page_is_a_dutch_500_page(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from services import directory

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(directory, "list_communities", broken)
    page = site.browser().get("/gemeenschappen")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Er ging iets mis" in page.text and "boom" not in page.text and "Traceback" not in page.text


def test_a_forbidden_action_is_a_dutch_403_page(site: Site) -> None:
    colleague = site.signed_in("collega@test.nl")  # signed in, but no curator of kring-a
    slug = site.practices["wmo"]["slug"]
    csrf = csrf_of(colleague.get(f"/praktijken/{slug}").text)
    response = colleague.post(f"/praktijken/{slug}/aanbieden", data={"csrf": csrf})
    assert response.status_code == 403 and "Geen toegang" in response.text


def test_pages_send_a_strict_content_security_policy(site: Site) -> None:
    for path in ("/", "/?q=mantelzorg", f"/praktijken/{site.practices['wmo']['slug']}", "/inloggen", "/nergens"):
        headers = site.browser().get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(site: Site) -> None:
    page = site.signed_in("auteur@test.nl").get(f"/praktijken/{site.practices['markdown']['slug']}")
    html = page.text
    assert page.status_code == 200 and heading(html) == "Schoolverzuim samen aanpakken"
    assert "<style" not in html and " style=" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)


def test_static_files_are_served_with_their_licences(site: Site) -> None:
    client = site.browser()
    css = client.get("/static/vendor/utrecht-components.css")
    assert css.status_code == 200 and ".utrecht-button" in css.text and "EUPL-1.2" in css.text
    assert "@utrecht/component-library-css" in client.get("/static/vendor/VERSIONS").text
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_a_page_that_needs_sign_in_sends_to_the_sign_in_page_and_back(site: Site) -> None:
    response = site.browser().get("/mijn", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/inloggen?volgende=/mijn"
    client = site.browser()
    page = client.get("/inloggen?volgende=/mijn")
    data = {"email": "collega@test.nl", "password": PASSWORD, "csrf": csrf_of(page.text), "volgende": "/mijn"}
    assert client.post("/inloggen", data=data, follow_redirects=False).headers["location"] == "/mijn"
    data["volgende"] = "//evil.example/"
    fresh = site.browser()
    data["csrf"] = csrf_of(fresh.get("/inloggen").text)
    assert fresh.post("/inloggen", data=data, follow_redirects=False).headers["location"] == "/"


# --- reading ------------------------------------------------------------------------------------------


def test_the_practice_page_renders_markdown(site: Site) -> None:
    html = site.browser().get(f"/praktijken/{site.practices['markdown']['slug']}").text
    assert "<strong>Signaal.</strong>" in html and "**" not in html
    assert "<li>eerst bellen</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_results_strip_markdown_from_snippets_and_mark_the_query(site: Site) -> None:
    html = site.browser().get("/", params={"q": "school belt wijkteam signaal"}).text
    hit = html.split('class="pb-hit"')[1].split("</article>")[0]
    assert "Schoolverzuim samen aanpakken" in hit
    assert "**" not in hit and '<mark class="utrecht-mark">' in hit


def test_facets_show_counts_and_filter(site: Site) -> None:
    # "bibliotheek" puts the spreekuur on the first page: by "mantelzorg" alone it ties with twelve variants whose
    # order follows their random ids (it fell to page 2 once).
    client = site.browser()
    query = "mantelzorg in de bibliotheek"
    html = client.get("/", params={"q": query}).text
    assert re.search(r"Wmo \((\d+)\)", html) and re.search(r"Participatie \((\d+)\)", html)
    assert "Mantelzorgspreekuur in de bibliotheek" in html
    filtered = client.get("/", params={"q": query, "theme": "onderwijs"})
    assert filtered.status_code == 200 and heading(filtered.text) == f"Resultaten voor ‘{query}’"
    assert re.search(r'<input [^>]*id="veld-theme-onderwijs"[^>]*checked>', filtered.text)
    assert "Mantelzorgspreekuur in de bibliotheek" not in filtered.text  # the filter is applied, not ignored
    kept = client.get("/", params={"q": query, "theme": "wmo"}).text
    assert "Mantelzorgspreekuur in de bibliotheek" in kept  # ...and a filter that fits keeps it
    everything = client.get("/", params={"q": query, "organisation": "", "community": ""})
    assert everything.status_code == 200  # the form's "Alle" is no filter, not an error


def test_results_page_through(site: Site) -> None:
    client = site.browser()
    first = client.get("/", params={"q": "mantelzorg ondersteunen"}).text
    second = client.get("/", params={"q": "mantelzorg ondersteunen", "pagina": 2}).text
    assert "pagina 1 van" in first and "pagina 2 van" in second
    titles = lambda html: set(re.findall(r'class="pb-hit">\s*<h2[^>]*><a[^>]*>([^<]+)<', html))  # noqa: E731
    assert titles(first) and titles(second) and not titles(first) & titles(second)


def test_weak_results_say_so_honestly(site: Site) -> None:
    weak = site.browser().get("/", params={"q": "Hoe repareer ik een lekke fietsband?"}).text
    # Below the relevance floor nothing is listed at all; either way the page says so and offers to ask.
    assert "Geen sterk verwante praktijk gevonden" in weak and "Stel deze vraag aan het netwerk" in weak
    # A strong match needs a bank whose practices differ (here all share one body, so no word is telling): the
    # strong side, and the page following the API's rule, are in tests/api/test_confidence_pages.py on the seeds.


def test_no_results_say_so_and_offer_to_ask_the_network(site: Site) -> None:
    html = site.browser().get("/", params={"q": "mantelzorg", "theme": "veiligheid"}).text
    assert "Met deze filters is niets gevonden" in html
    assert 'href="/vragen/nieuw?vraag=mantelzorg"' in html


def test_an_outsider_never_sees_a_community_practice_on_any_page(site: Site) -> None:
    community = site.practices["community"]
    pages = {  # path -> the status and heading of the right page
        "/": (200, "Vind wat werkt in het sociaal domein"),
        "/?q=mosterdzaadje": (200, "Resultaten voor ‘mosterdzaadje’"),
        "/netwerk?q=mosterdzaadje": (200, "Wie weet ervan"),
        "/vragen/nieuw?vraag=mosterdzaadje": (200, "Vraag het netwerk"),
        "/gemeenschappen/kring-a": (200, "Kring A"),
        "/mensen/persoon-auteur": (200, "Persoon Auteur"),
        f"/praktijken/{community['slug']}": (404, "Pagina niet gevonden"),
    }
    for client in (site.browser(), site.signed_in("buitenstaander@test.nl")):
        for path, expected in pages.items():
            page = client.get(path)
            assert (page.status_code, heading(page.text)) == expected, path
            assert community["title"] not in page.text and "Alleen voor de kring" not in page.text, path
    member = site.signed_in("auteur@test.nl")
    assert community["title"] in member.get("/gemeenschappen/kring-a").text


def test_version_history_shows_the_differences(site: Site) -> None:
    practice = site.practices["wmo"]
    headers = {"If-Match": f'"{practice["id"]}.{practice["version"]}"'}
    change = {"summary": "Mantelzorgers kunnen elke week zonder afspraak langskomen in de bibliotheek."}
    assert site.admin.patch(f"/api/v1/practices/{practice['id']}", json=change, headers=headers).status_code == 200
    html = site.browser().get(f"/praktijken/{practice['slug']}/versies").text
    assert "Vergelijk versie 1 met versie 2" in html
    assert "<ins>" in html and "<del>" in html and "langskomen" in html


# --- forms --------------------------------------------------------------------------------------------


def test_every_form_needs_the_csrf_token(site: Site) -> None:
    client = site.signed_in("collega@test.nl")
    slug = site.practices["wmo"]["slug"]
    for path, data in ((f"/praktijken/{slug}/feedback", {"body": "Goed idee"}), ("/mijn/sleutels", {"name": "x"}),
                       ("/vragen", {"title": "Vraag", "body": "Vraag?"}), ("/praktijken/nieuw", {"title": "x"})):  # fmt: skip
        response = client.post(path, data={**data, "csrf": "vervalst"})
        assert response.status_code == 403, path
        assert "Het formulier is verlopen" in response.text


def test_applied_and_feedback_forms(site: Site) -> None:
    client = site.signed_in("collega@test.nl")
    slug = site.practices["wmo"]["slug"]
    csrf = csrf_of(client.get(f"/praktijken/{slug}").text)
    empty = client.post(f"/praktijken/{slug}/feedback", data={"csrf": csrf, "body": "  "})
    assert empty.status_code == 422 and "Vul dit veld in." in empty.text and 'aria-invalid="true"' in empty.text
    done = client.post(f"/praktijken/{slug}/feedback", data={"csrf": csrf, "body": "Werkt ook bij ons."})
    assert done.status_code == 200 and "Werkt ook bij ons." in done.text and "Dank je" in done.text
    blank = client.post(f"/praktijken/{slug}/toegepast", data={"csrf": csrf, "note": "   "})
    assert blank.status_code == 422 and 'id="veld-note"' in blank.text and "Vul dit veld in." in blank.text
    applied = client.post(f"/praktijken/{slug}/toegepast", data={"csrf": csrf, "note": "Sinds maart in twee wijken."})
    assert applied.status_code == 200 and "Sinds maart in twee wijken." in applied.text


def test_a_stale_edit_keeps_what_was_typed_and_shows_the_current_version(site: Site) -> None:
    author = site.signed_in("auteur@test.nl")
    csrf = csrf_of(author.get("/praktijken/nieuw").text)
    form = {"csrf": csrf, "title": "Huiswerkbegeleiding in de wijk", "summary": "Vrijwilligers helpen kinderen.",
            "situation": "Kinderen missen hulp thuis.", "approach": "Twee middagen per week.", "themes": "onderwijs",
            "community": "kring-a", "visibility": "public", "language": "nl", "action": "save"}  # fmt: skip
    created = author.post("/praktijken/nieuw", data=form)
    assert created.status_code == 200 and "Concept opgeslagen." in created.text
    slug = created.url.path.rsplit("/", 1)[1]
    edit = author.get(f"/praktijken/{slug}/bewerken").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)  # type: ignore[union-attr]
    colleague = site.signed_in("beoordelaar@test.nl")  # another member edits first
    first = {**form, "csrf": csrf_of(colleague.get(f"/praktijken/{slug}/bewerken").text), "version": version,
             "summary": "Vrijwilligers helpen kinderen met huiswerk, twee keer per week."}  # fmt: skip
    assert colleague.post(f"/praktijken/{slug}/bewerken", data=first).status_code == 200
    mine = {**form, "version": version, "summary": "Mijn eigen nieuwe samenvatting die niet verloren mag gaan."}
    stale = author.post(f"/praktijken/{slug}/bewerken", data=mine)
    assert stale.status_code == 409
    assert "Mijn eigen nieuwe samenvatting die niet verloren mag gaan." in stale.text  # nothing lost
    assert "twee keer per week" in stale.text  # the current version beside it
    assert "Iemand anders heeft deze praktijk intussen gewijzigd" in stale.text


def test_a_form_error_is_shown_beside_the_field_with_what_was_typed(site: Site) -> None:
    author = site.signed_in("auteur@test.nl")
    csrf = csrf_of(author.get("/praktijken/nieuw").text)
    response = author.post(
        "/praktijken/nieuw", data={"csrf": csrf, "title": "Mijn titel blijft staan", "summary": "", "action": "save"}
    )
    assert response.status_code == 422
    assert 'value="Mijn titel blijft staan"' in response.text
    assert 'href="#veld-summary"' in response.text  # the error summary links to the field
    assert 'id="fout-summary"' in response.text and 'id="fout-themes"' not in response.text


def test_review_publishes_with_a_recognition_level(site: Site) -> None:
    author = site.signed_in("auteur@test.nl")
    csrf = csrf_of(author.get("/praktijken/nieuw").text)
    form = {"csrf": csrf, "title": "Buurtbemiddeling bij burenruzies", "summary": "Getrainde buren bemiddelen.",
            "situation": "Ruzies tussen buren escaleren.", "approach": "Twee bemiddelaars voeren gesprekken.",
            "themes": "veiligheid", "community": "kring-a", "visibility": "public", "language": "nl",
            "action": "submit"}  # fmt: skip
    submitted = author.post("/praktijken/nieuw", data=form)
    assert "Aangeboden ter beoordeling" in submitted.text
    slug = submitted.url.path.rsplit("/", 1)[1]
    assert site.signed_in("collega@test.nl").get("/beoordelen").text.count(slug) == 0
    curator = site.signed_in("beoordelaar@test.nl")
    queue = curator.get("/beoordelen").text
    assert f"/praktijken/{slug}/beoordeling" in queue
    version = re.search(rf'/praktijken/{slug}/beoordeling".*?name="version" value="(\d+)"', queue, re.S).group(1)  # type: ignore[union-attr]
    decision = {"csrf": csrf_of(queue), "version": version, "action": "publish", "level": "goed_beschreven"}
    refused = curator.post(f"/praktijken/{slug}/beoordeling", data=decision)
    assert refused.status_code == 422 and "Vul dit veld in." in refused.text  # the level needs its explanation
    decision["comment"] = "Doel, doelgroep en aanpak zijn helder beschreven."
    published = curator.post(f"/praktijken/{slug}/beoordeling", data=decision)
    assert published.status_code == 200 and "Gepubliceerd." in published.text
    assert "Goed beschreven" in published.text and "Doel, doelgroep en aanpak zijn helder beschreven." in published.text
    site.runtime.worker.drain()
    assert f'href="/praktijken/{slug}"' in site.browser().get("/", params={"q": "burenruzies bemiddeling"}).text


def test_tokens_page_creates_lists_and_revokes(site: Site) -> None:
    client = site.signed_in("collega@test.nl")
    page = client.get("/mijn/sleutels")
    created = client.post("/mijn/sleutels", data={"csrf": csrf_of(page.text), "name": "Rapportage"})
    secret = re.search(r'<code class="pb-token">([^<]+)</code>', created.text).group(1)  # type: ignore[union-attr]
    assert created.headers["cache-control"] == "no-store"
    assert site.browser().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token_id = re.search(r"/mijn/sleutels/([0-9a-f-]+)/intrekken", created.text).group(1)  # type: ignore[union-attr]
    revoked = client.post(f"/mijn/sleutels/{token_id}/intrekken", data={"csrf": csrf_of(created.text)})
    assert "Sleutel ingetrokken." in revoked.text and "Ingetrokken" in revoked.text
    assert site.browser().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_ask_post_answer_and_accept(site: Site) -> None:
    asker = site.signed_in("auteur@test.nl")
    ask = asker.get("/vragen/nieuw", params={"vraag": "Hoe bereik ik mantelzorgers die geen hulp vragen?"}).text
    assert "Mantelzorg" in ask  # related practices are shown before posting
    posted = asker.post("/vragen", data={"csrf": csrf_of(ask), "title": "Mantelzorgers bereiken",
                                         "body": "Hoe bereik ik mantelzorgers die geen hulp vragen?",
                                         "visibility": "internal"})  # fmt: skip
    assert "Je vraag staat in het netwerk" in posted.text
    question_path = posted.url.path
    colleague = site.signed_in("collega@test.nl")
    shown = colleague.get(question_path)
    page = shown.text
    assert shown.status_code == 200 and heading(page) == "Mantelzorgers bereiken"
    assert f'action="{question_path}/antwoorden"' in page  # the colleague may answer...
    assert "Dit antwoord accepteren" not in page  # ...but only the asker accepts
    answered = colleague.post(f"{question_path}/antwoorden", data={"csrf": csrf_of(page), "body": "Via de huisarts."})
    assert "Via de huisarts." in answered.text
    page = asker.get(question_path).text
    answer_id = re.search(r'name="answer" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    accepted = asker.post(f"{question_path}/accepteren", data={"csrf": csrf_of(page), "answer": answer_id})
    assert "Geaccepteerd antwoord" in accepted.text
    listed = site.browser().get("/vragen")
    assert listed.status_code == 200 and heading(listed.text) == "Vragen aan het netwerk"
    assert "Mantelzorgers bereiken" not in listed.text  # internal: not for anonymous


def test_every_page_type_renders_signed_out_and_in(site: Site) -> None:
    slug = site.practices["wmo"]["slug"]
    paths = ["/", "/?q=mantelzorg", f"/praktijken/{slug}", f"/praktijken/{slug}/versies", "/vragen", "/vragen/nieuw",
             "/vragen/nieuw?vraag=mantelzorg", "/gemeenschappen", "/gemeenschappen/kring-a", "/mensen",
             "/mensen/persoon-auteur", "/inloggen", "/netwerk?q=mantelzorg"]  # fmt: skip
    for path in paths:
        assert site.browser().get(path).status_code == 200, path
    member = site.signed_in("auteur@test.nl")
    # A member of Kring A may edit the kring's practice, not one of nobody's circle (a 403 page).
    editable = f"/praktijken/{site.practices['community']['slug']}/bewerken"
    mine = ["/mijn", "/mijn/sleutels", "/mijn/feed", "/meldingen", "/mijn/meldingen-instellingen"]
    for path in mine:  # signed out: to the sign-in page, and back here afterwards
        response = site.browser().get(path, follow_redirects=False)
        assert (response.status_code, response.headers.get("location")) == (303, f"/inloggen?volgende={path}"), path
    for path in [*paths[:-2], *mine, "/praktijken/nieuw", editable]:
        # Signed in, the sign-in page may send the person on (303); every other page renders.
        expected = (200, 303) if path == "/inloggen" else (200,)
        assert member.get(path).status_code in expected, path
    assert member.get(f"/praktijken/{slug}/bewerken").status_code == 403
    assert site.signed_in("beoordelaar@test.nl").get("/beoordelen").status_code == 200


# --- stored XSS ---------------------------------------------------------------------------------------


class _ActiveContent(HTMLParser):
    """What a browser would run, read as the browser reads the tags (text inside a quoted, escaped attribute
    value is text): a script not served from /static/, an event-handler attribute, a javascript: URL."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        if tag == "script" and not values.get("src", "").startswith("/static/"):
            self.found.append(f"<script {values}>")
        for name, value in values.items():
            if name.startswith("on") or value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def test_script_and_event_handlers_render_inert_on_every_page(site: Site) -> None:
    xss = site.practices["xss"]
    client = site.signed_in("collega@test.nl")
    page = client.get(f"/praktijken/{xss['slug']}").text
    client.post(f"/praktijken/{xss['slug']}/feedback", data={"csrf": csrf_of(page), "body": f"Feedback {XSS}"})
    client.post(f"/praktijken/{xss['slug']}/toegepast", data={"csrf": csrf_of(page), "note": f"Toegepast {XSS}"})
    asked = client.post("/vragen", data={"csrf": csrf_of(page), "title": f"Vraag {XSS}", "body": f"Tekst {XSS}",
                                         "visibility": "public"})  # fmt: skip
    client.post(f"{asked.url.path}/antwoorden", data={"csrf": csrf_of(asked.text), "body": f"Antwoord {XSS}"})
    site.runtime.worker.drain()
    question_id = uuid.UUID(asked.url.path.rsplit("/", 1)[1])
    with unit_of_work(site.runtime.sessions) as session:  # Meldingen shows the titles of what it tells of
        for email in ("collega@test.nl", "admin@test.nl"):
            person_id = session.scalars(select(Account.person_id).where(Account.email == email)).one()
            for subject_kind, subject_id in (("practice", uuid.UUID(xss["id"])), ("question", question_id)):
                key = f"answer:{uuid.uuid4()}"
                notifications.notify(session, person_id, NotificationKind.FOLLOWED, subject_kind, subject_id, key)
    pages = [f"/praktijken/{xss['slug']}", f"/praktijken/{xss['slug']}/versies", asked.url.path, "/vragen",
             "/?q=gevaarlijke+titel+situatie", "/vragen/nieuw?vraag=gevaarlijke+titel", "/mijn", "/meldingen"]  # fmt: skip
    # The colleague wrote the feedback, note, question and answer. The network panel leaves the asker out, so the
    # colleague's applied note (the reason shown beside them) reaches the admin's panel; the admin may also open
    # the edit form.
    admin_only = ["/netwerk?q=gevaarlijke+titel", f"/praktijken/{xss['slug']}/bewerken"]
    for viewer, paths in ((client, pages), (site.admin, pages + admin_only)):
        for path in paths:
            response = viewer.get(path)
            html = response.text
            assert response.status_code == 200 and heading(html), path
            assert "&lt;script&gt;alert" in html, path  # the dangerous text is on the page, as text
            assert "<script>alert" not in html, path
            assert not active_content(html), path
        listed = viewer.get("/meldingen").text  # the notifications are there, their titles as text
        for link, title in ((f"/praktijken/{xss['slug']}", "Gevaarlijke titel"), (asked.url.path, "Vraag")):
            assert re.search(rf'<a [^>]*href="{re.escape(link)}[^"]*">{title} &lt;script&gt;alert', listed), link
