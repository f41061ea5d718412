"""The website in a real headless Chromium: every page renders, figures load, search, math, links."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
import yaml

pytestmark = [pytest.mark.site, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
# Upstream noise, not our pages: no favicon is configured; Jupyter Book 1.0.4 with sphinx-thebe
# 0.3.1 writes the (unused) Thebe settings script twice on every page; the theme logs its
# first visit with an empty localStorage as an error.
KNOWN_CONSOLE_NOISE = ("favicon.ico", "Identifier 'THEBE_JS_URL' has already been declared",
                       "Got invalid theme mode")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return [f"{page}.html" for page in pages]


def test_every_chapter_in_the_toc_was_built(built_site):
    missing = [page for page in toc_pages() if not (built_site / page).is_file()]
    assert not missing
    assert (built_site / "index.html").is_file()


@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_with_figures_and_working_links(browser, site_url, built_site, page):
    browser.get(f"{site_url}/{page}")
    article = browser.find_element("css selector", "article, main")
    assert len(article.text) > 200, f"{page} has almost no content"
    assert browser.find_elements("css selector", "h1"), f"{page} has no title"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0])")
    broken = [src for src, ok in images if not ok]
    assert not broken, f"{page}: images that do not load: {broken}"
    links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    for link in links:
        url, fragment = urldefrag(link)
        if urlparse(url).netloc != urlparse(site_url).netloc:
            continue
        target = built_site / urlparse(url).path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        assert target.is_file(), f"{page}: broken internal link {link}"
        if fragment and target.suffix == ".html":
            assert f'id="{fragment}"' in target.read_text(), f"{page}: link to a missing anchor {link}"
    severe = [entry["message"] for entry in browser.get_log("browser")
              if entry["level"] == "SEVERE" and not any(known in entry["message"] for known in KNOWN_CONSOLE_NOISE)]
    assert not severe, f"{page}: browser errors {severe}"


def test_chapters_with_figures_show_them(browser, site_url):
    browser.get(f"{site_url}/book/03_classic_networks.html")
    figures = browser.execute_script(
        "return Array.from(document.images).filter(i => i.naturalWidth > 200).length")
    assert figures >= 2


def test_math_is_typeset_offline(browser, site_url):
    browser.get(f"{site_url}/book/07_mobilenet_efficientnet.html")
    for _ in range(100):
        if browser.find_elements("css selector", "mjx-container"):
            break
        time.sleep(0.1)
    assert browser.find_elements("css selector", "mjx-container"), "MathJax did not typeset the formulas"


def test_search_finds_residual(browser, site_url):
    browser.get(f"{site_url}/search.html?q=residual")
    for _ in range(150):
        results = browser.find_elements("css selector", "#search-results li, ul.search li")
        if results:
            break
        time.sleep(0.1)
    assert results, "searching the site for 'residual' returned nothing"
    assert any("04_resnets" in r.find_element("css selector", "a").get_attribute("href") for r in results)


def test_launch_and_download_buttons_are_configured(browser, site_url):
    browser.get(f"{site_url}/book/04_resnets.html")
    html = browser.page_source
    assert "mybinder.org" in html and "colab.research.google.com" in html
    assert "04_resnets.ipynb" in html  # the download button for the source notebook
