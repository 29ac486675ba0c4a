"""The course website in headless Chromium: pages, pictures, the language switch.

Screenshots of an English and a Korean lesson page land in ``screenshots/``.
"""

from __future__ import annotations

import pytest
from site_builder import build_site

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    build_site.prepare(base / "src")
    build_site.build(base / "src", base / "html")
    build_site.postprocess(base / "html")
    return base / "html"


def images_not_loaded(page) -> list[str]:
    """The ``src`` of every image on the page that did not load (naturalWidth 0)."""
    page.wait_for_load_state("load")
    return page.eval_on_selector_all(
        "img", "images => images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )


def test_home_page_leads_to_both_editions(page, site):
    page.goto((site / "index.html").as_uri())
    assert images_not_loaded(page) == []
    for edition in ("en", "ko"):
        page.goto((site / edition / "index.html").as_uri())
        links = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
        assert any(link.endswith(f"/{edition}/04_cnn.html") for link in links), edition


@pytest.mark.parametrize(("edition", "twin"), [("en", "ko"), ("ko", "en")])
def test_a_lesson_shows_its_pictures_and_switches_language(page, site, edition, twin):
    # 04b, the lesson of pictures: 17 figures in each edition
    page.goto((site / edition / "04b_inside_the_cnn.html").as_uri())
    assert page.eval_on_selector("html", "h => h.lang") == edition
    assert page.locator("img").count() > 10
    assert images_not_loaded(page) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"site_04b_inside_the_cnn_{edition}.png"))
    page.locator("a", has_text="한국어판" if twin == "ko" else "in English").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{twin}/04b_inside_the_cnn.html")
    assert page.eval_on_selector("html", "h => h.lang") == twin


def test_math_is_typeset_without_a_network(page, site):
    page.goto((site / "en" / "05_resnet.html").as_uri())
    page.wait_for_function("() => document.querySelector('.MathJax, mjx-container') !== null")
