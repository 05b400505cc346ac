"""A person searching in the Dutch web pages, in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from services.runtime import Runtime
from tests.e2e.service import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.sqlite_pass  # what a browser sees of a page, not the database


@pytest.fixture(scope="module")
def site(seeded_runtime: Runtime) -> Iterator[str]:
    with serving(create_app(seeded_runtime.settings, runtime=seeded_runtime)) as url:
        yield url


@pytest.mark.browser
def test_search_then_open_a_practice(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page()
        page.goto(site)
        assert page.locator("html").get_attribute("lang") == "nl"
        page.fill("textarea[name=q]", "Een leerling zit al maanden thuis en de school weet niet meer wat te doen")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_selector("article.pb-hit")
        titles = page.locator("article.pb-hit h2 a").all_inner_texts()
        assert len(titles) >= 3
        assert page.locator("article.pb-hit mark").count() > 0  # query words are highlighted
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

        page.locator("article.pb-hit h2 a").first.click()
        page.wait_for_selector("article h1")
        assert page.locator("article h1").inner_text() == titles[0]
        assert page.locator("section h2").count() >= 2  # the practice's sections, with Dutch headings
        assert page.locator("aside li").count() >= 1  # 'Lijkt op': similar practices
        page.screenshot(path=str(tmp_path / "practice.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_page_escapes_what_people_type(site: str) -> None:
    response = httpx.get(site, params={"q": "<script>alert(1)</script> schulden"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert httpx.get(f"{site}/praktijken/bestaat-niet").status_code == 404
