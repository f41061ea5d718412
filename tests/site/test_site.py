"""The website in a real headless Chromium: every page renders, figures load, search, math, links."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
import yaml
from bs4 import BeautifulSoup

from autograder import leaks
from cnn_course import site
from cnn_course.plots import inline
from tests.conftest import ASSIGNMENTS

pytestmark = [pytest.mark.site, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
# Console messages of the browser's own that no page can prevent (none so far): the favicon is set
# (html.favicon), cnn_course.site drops the second copy of sphinx-thebe's settings script, and the
# theme's mode starts on "auto" (html_context.default_mode), so every SEVERE message fails the test.
KNOWN_CONSOLE_NOISE: tuple[str, ...] = ()
# Window widths the pages must fit: a laptop and a phone.
WIDTHS = (1366, 390)
# What tqdm writes: "42%|████      | 5/12 [00:01<00:02, 3.70it/s]".
PROGRESS_BAR = re.compile(r"\d+%\||█|\d+(\.\d+)?(it|s)/(s|it)\]|\?it/s\]")
# Alt text that is only where the image lives, e.g. "../_images/a8cf34c3….png": one word holding a
# slash, an image file's name, or a long hexadecimal hash.
FILE_NAME_ALT = re.compile(r"^\S*[/\\]\S*$|\.(png|jpe?g|gif|svg|webp)$|^[0-9a-f]{16,}", re.IGNORECASE)
# Figures: a raster image must carry at least this many of its pixels per pixel it is shown at on a laptop
# (a high-density screen, or a reader zooming in, still sees it sharp); an SVG is sharp at any size. The
# smallest text of every figure, as shown, must be at least this high at each width.
LAPTOP_WIDTH, PHONE_WIDTH = WIDTHS
RASTER_DENSITY = 1.5
MIN_TEXT_PX = {LAPTOP_WIDTH: 10, PHONE_WIDTH: site.MIN_TEXT_PX}
# What a page may load of its own (its HTML and its figures; the theme, fonts and MathJax are shared).
MAX_PAGE_BYTES = 3_000_000
# Outputs a reader should never see: a stray return value of a plotting call, an untouched exercise's check.
STRAY_OUTPUTS = re.compile(r"&lt;matplotlib\.|<matplotlib\.|Not built yet")
# Lists what the reader cannot see of the article: a page wider than the window, elements that clip
# their content (overflow hidden, wider content) and elements that stick out past the article's right
# edge. Folded answers and hidden cells are opened first. Elements that scroll on purpose (overflow-x auto or scroll)
# are skipped with everything inside them, and so is MathJax's copy of each formula for screen
# readers (mjx-assistive-mml), clipped to nothing on purpose (its width counts in the page's, though).
# And words of a table cell (a layer's or a function's name) broken in the middle onto two lines; a
# break after a hyphen or a slash is allowed.
CUT_OFF_JS = """
const done = arguments[arguments.length - 1];
document.querySelectorAll('details').forEach(d => { d.open = true; });
const typeset = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
typeset.then(() => new Promise(wait => setTimeout(wait, 300))).then(() => {
  const cut = [];
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) cut.push(`the page scrolls sideways: ${page.scrollWidth} px in ${page.clientWidth} px`);
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const edge = article.getBoundingClientRect().right;
  const describe = el => `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') || ''}"> `
    + (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 100);
  const walk = parent => {
    for (const el of parent.children) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden' || el.tagName === 'MJX-ASSISTIVE-MML') continue;
      if (['auto', 'scroll'].includes(style.overflowX)) continue;
      const box = el.getBoundingClientRect();
      if (['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        cut.push(`clipped (${el.scrollWidth} px in ${el.clientWidth} px): ${describe(el)}`);
      } else if (box.width > 0 && box.right > edge + 1) {
        cut.push(`past the article's edge by ${Math.round(box.right - edge)} px: ${describe(el)}`);
      }
      walk(el);
    }
  };
  walk(article);
  for (const cell of article.querySelectorAll('td, th')) {
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let text = texts.nextNode(); text; text = texts.nextNode()) {
      if (text.parentElement.closest('mjx-container')) continue;
      for (const word of text.textContent.matchAll(/[^\\s\\-–\\/]+/g)) {
        const range = document.createRange();
        range.setStart(text, word.index);
        range.setEnd(text, word.index + word[0].length);
        const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (lines.size > 1) cut.push(`split across ${lines.size} lines in a table: ${word[0]}`);
      }
    }
  }
  done(cut);
});
"""


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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", toc_pages())
def test_nothing_in_the_article_is_cut_off(browser, site_url, built_site, page, width):
    """Long formulas (inline and displayed), code and tables wrap or scroll at a laptop's and a phone's width,
    and no word in a table is broken in two.

    Each page is also kept as a full-page screenshot, folds opened, in _build/screenshots/ to look at."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    try:
        browser.get(f"{site_url}/{page}")
        cut = browser.execute_async_script(CUT_OFF_JS)
        shot = _full_page_screenshot(browser, width, built_site.parent / "screenshots" / f"{Path(page).stem}-{width}.png")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not cut, f"{page} at {width} px: " + "\n".join(cut)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(shot.read_bytes()[16:20], "big") == width


def _full_page_screenshot(browser, width: int, path: Path) -> Path:
    """The whole page at ``width`` (its height capped at 30,000 px) as a PNG at ``path``."""
    import base64

    height = min(30_000, browser.execute_script("return document.documentElement.scrollHeight"))
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    image = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(image))
    return path


def test_long_answers_show_their_results(browser, site_url):
    """The folded answers whose final number was cut off: opened, the number is inside the article and
    inside every box that clips."""
    for page, result in (("book/04_resnets.html", "173,824"), ("book/06_inception.html", "101,154,816")):
        browser.get(f"{site_url}/{page}")
        seen = browser.execute_async_script("""
            const [result, done] = arguments;
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            MathJax.startup.promise.then(() => {
              const article = document.querySelector('article.bd-article');
              const formulas = Array.from(article.querySelectorAll('mjx-container')).filter(m => m.textContent.endsWith(result));
              done(formulas.map(formula => {
                const digits = formula.querySelectorAll('mjx-math mjx-mn');
                const last = digits[digits.length - 1].getBoundingClientRect();
                for (let box = formula; box && box !== article; box = box.parentElement) {
                  const style = getComputedStyle(box), edge = box.getBoundingClientRect();
                  if (style.overflowX !== 'visible' && (last.right > edge.right + 1 || last.left < edge.left - 1)) return false;
                }
                return last.width > 0 && last.right <= article.getBoundingClientRect().right + 1;
              }));
            });""", result)
        assert seen and all(seen), f"{page}: the formula ending in {result} is missing or cut off ({seen})"


@pytest.mark.parametrize("page", toc_pages())
def test_no_progress_bars_in_the_pages(built_site, page):
    """A built page shows results, not the tqdm bars that were drawn while it was computed."""
    text = (built_site / page).read_text()
    bars = [match.group(0) for match in PROGRESS_BAR.finditer(text)]
    assert not bars, f"{page} shows progress bars: {bars[:5]}"


def test_layer_tables_have_padded_cells_and_a_caption(browser, site_url):
    for page in ("book/01_why_case_studies.html", "book/03_classic_networks.html"):
        browser.get(f"{site_url}/{page}")
        tables = browser.execute_script("""
            return Array.from(document.querySelectorAll('article table.layer-table')).map(table => {
              const cells = Array.from(table.querySelectorAll('td, th'));
              const padding = Math.min(...cells.map(c => Math.min(parseFloat(getComputedStyle(c).paddingLeft),
                                                                   parseFloat(getComputedStyle(c).paddingRight))));
              let gap = Infinity;  // the narrowest space between the texts of two neighbouring cells
              for (const row of table.rows) {
                const texts = Array.from(row.cells).filter(c => c.textContent.trim()).map(c => {
                  const range = document.createRange(); range.selectNodeContents(c); return range.getBoundingClientRect();
                });
                for (let i = 1; i < texts.length; i++) gap = Math.min(gap, texts[i].left - texts[i - 1].right);
              }
              return {caption: table.caption ? table.caption.textContent : '', padding, gap,
                      firstRow: Array.from(table.rows[1].cells).map(c => c.textContent)};
            });""")
        assert tables, f"{page} has no layer table"
        for table in tables:
            assert table["padding"] > 0, f"{page}: layer table cells without padding: {table}"
            assert table["gap"] >= 8, f"{page}: the texts of neighbouring cells touch: {table}"
            assert re.search(r"[A-Z]", table["caption"]) and " " in table["caption"], f"{page}: caption {table['caption']!r}"
            assert not re.fullmatch(r"[a-z0-9_]+", table["caption"]), f"{page}: caption is an identifier: {table}"


@pytest.mark.parametrize("page", toc_pages())
def test_images_have_real_alt_text(browser, site_url, page):
    browser.get(f"{site_url}/{page}")
    images = browser.execute_script("return Array.from(document.images).map(i => [i.getAttribute('src'), i.getAttribute('alt')])")
    bad = [(src, alt) for src, alt in images if not (alt or "").strip() or FILE_NAME_ALT.search(alt.strip())]
    assert not bad, f"{page}: images whose alt text is empty or a file name: {bad}"


@pytest.mark.parametrize("page", [page for page in toc_pages() if re.match(r"book/\d\d_", page)])
def test_every_chapter_figure_is_numbered_and_captioned(built_site, page):
    """Each image a chapter's article shows sits in a figure whose caption starts "Fig. N"."""
    article = BeautifulSoup((built_site / page).read_text(), "html.parser").find("article")
    images = article.find_all("img")
    bare = [image.get("alt", image.get("src")) for image in images
            if not ((figure := image.find_parent("figure")) and figure.figcaption
                    and re.match(r"Fig\. \d+ \S", figure.figcaption.get_text(" ", strip=True)))]
    assert images and not bare, f"{page}: figures without a numbered caption: {bare}"


def test_pages_have_a_favicon(browser, site_url, built_site):
    browser.get(f"{site_url}/book/intro.html")
    icons = browser.execute_script("return Array.from(document.querySelectorAll('link[rel~=icon]')).map(l => l.href)")
    assert icons, "no favicon link"
    assert all((built_site / urlparse(icon).path.lstrip("/")).is_file() for icon in icons), icons


def test_pages_show_the_logo_with_alt_text(browser, site_url, built_site):
    browser.get(f"{site_url}/book/intro.html")
    logos = browser.execute_script("return Array.from(document.querySelectorAll('img.logo__image'))"
                                   ".map(i => [i.getAttribute('src'), i.getAttribute('alt')])")
    assert logos, "no logo on the page"
    assert all(src.endswith("logo.svg") and (alt or "").strip() for src, alt in logos), logos


def test_smallest_text_reads_matplotlib_svg_and_the_course_jpeg():
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.text(0.5, 0.5, "big", fontsize=12)
    ax.text(0.1, 0.1, "small $x^2$", fontsize=6, rotation=90)
    ax.axis("off")
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    ax.imshow(np.zeros((3, 3)))  # a heat map of a small array: still a drawing
    assert not inline.shows_photos(fig)
    ax.imshow(np.zeros((40, 40, 3)))
    assert inline.shows_photos(fig)
    jpeg = inline.figure_jpeg(fig, dpi=144)
    plt.close(fig)
    svg = inline.smallest_text(out.getvalue())
    assert svg.label == "small $x^2$" and svg.shown_px(4 * 72) == pytest.approx(6)  # shown at its natural size in pt
    photo = inline.smallest_text(jpeg)
    assert photo.label == "small $x^2$" and photo.size == pytest.approx(6 * 144 / 72)
    assert photo.readable_width(9) == pytest.approx(9 * photo.width / 12)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", toc_pages())
def test_figures_are_sharp_and_their_text_readable(browser, site_url, built_site, page, width):
    """No figure is blown up past its pixels on a laptop: a PNG or JPEG carries at least 1.5 of its pixels
    per pixel shown; and every figure's smallest text (an SVG's glyphs, the comment in the course's JPEGs)
    is at least 10 px high as shown on a laptop, 9 px on a phone."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width == PHONE_WIDTH})
    try:
        browser.get(f"{site_url}/{page}")
        images = browser.execute_script("""
            return Array.from(document.querySelectorAll('article.bd-article img')).map(i => {
              i.scrollIntoView();
              return [new URL(i.currentSrc || i.src).pathname, i.naturalWidth, i.getBoundingClientRect().width];
            });""")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    problems = []
    for path, natural, shown in images:
        name = path.rsplit("/", 1)[-1]
        if shown < 1:
            continue
        if natural < shown - 0.5:
            problems.append(f"{name}: {natural} px wide, blown up to {shown:.0f} px")
        data = (built_site / path.lstrip("/")).read_bytes()
        if not path.endswith(".svg"):
            if width == LAPTOP_WIDTH and natural < RASTER_DENSITY * shown - 0.5:
                problems.append(f"{name}: {natural} px shown at {shown:.0f} px, {natural / shown:.2f} pixels per pixel")
            if b"smallest text" not in data[:4096] and b"no text" not in data[:4096]:
                problems.append(f"{name}: a raster figure that does not say how small its text is")
        text = inline.smallest_text(data)
        if text and text.shown_px(shown) < MIN_TEXT_PX[width] - 0.05:
            problems.append(f"{name}: the text {text.label!r} is {text.shown_px(shown):.1f} px high as shown ({shown:.0f} px wide)")
    assert not problems, f"{page} at {width} px:\n" + "\n".join(problems)


def _emulate(browser, width: int, height: int = 844) -> None:
    """A laptop's window, or at PHONE_WIDTH a phone: touch, mobile viewport."""
    phone = width == PHONE_WIDTH
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": phone})
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": phone, "maxTouchPoints": 5 if phone else 1})


def _stop_emulating(browser) -> None:
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _tap(browser, selector: str) -> None:
    """A finger's tap on the centre of the one visible element matching ``selector``."""
    boxes = browser.execute_script("""
        return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getBoundingClientRect())
          .filter(r => r.width > 0 && r.height > 0).map(r => [r.left + r.width / 2, r.top + r.height / 2]);""", selector)
    assert len(boxes) == 1, f"{len(boxes)} visible {selector!r}"
    (x, y), = boxes
    for kind, points in (("touchStart", [{"x": x, "y": y}]), ("touchEnd", [])):
        browser.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    time.sleep(0.5)


def _visible_links(browser, container: str) -> list[str]:
    return browser.execute_script("""
        const box = document.querySelector(arguments[0]);
        return box ? Array.from(box.querySelectorAll('a')).filter(a => a.getBoundingClientRect().width > 0
          && getComputedStyle(a).visibility !== 'hidden').map(a => a.textContent.trim()) : [];""", container)


def test_on_a_phone_the_buttons_open_the_chapter_list_and_the_page_contents(browser, site_url):
    _emulate(browser, PHONE_WIDTH)
    try:
        browser.get(f"{site_url}/book/04_resnets.html")
        assert not _visible_links(browser, "#pst-primary-sidebar-modal")
        _tap(browser, ".primary-toggle")
        chapters = _visible_links(browser, "#pst-primary-sidebar-modal")
        assert any("Residual networks" in link for link in chapters) and len(chapters) >= 10, chapters
        browser.execute_script("document.querySelector('#pst-primary-sidebar-modal').close()")
        _tap(browser, ".secondary-toggle")
        contents = _visible_links(browser, "#pst-secondary-sidebar-modal")
        assert any("The residual block" in link for link in contents), contents
    finally:
        _stop_emulating(browser)


def test_on_a_laptop_the_menu_button_hides_and_shows_the_chapter_list(browser, site_url):
    _emulate(browser, LAPTOP_WIDTH, 900)
    try:
        browser.get(f"{site_url}/book/04_resnets.html")
        shown = lambda: bool(_visible_links(browser, "#pst-primary-sidebar"))  # noqa: E731
        button = [b for b in browser.find_elements("css selector", ".primary-toggle") if b.is_displayed()]
        assert len(button) == 1 and shown()
        button[0].click()
        time.sleep(0.5)
        assert not shown(), "the menu button did not hide the chapter list"
        button[0].click()
        time.sleep(0.5)
        assert shown(), "the menu button did not bring the chapter list back"
    finally:
        _stop_emulating(browser)


@pytest.mark.parametrize("width", WIDTHS)
def test_one_search_field_or_button(browser, site_url, width):
    _emulate(browser, width, 900)
    try:
        browser.get(f"{site_url}/book/intro.html")
        searches = browser.execute_script("""
            return Array.from(document.querySelectorAll('.search-button-field, .search-button'))
              .filter(e => e.getBoundingClientRect().width > 0).map(e => e.className);""")
    finally:
        _stop_emulating(browser)
    assert len(searches) == 1, searches


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", toc_pages())
def test_displayed_formulas_fit_or_visibly_scroll(browser, site_url, page, width):
    """A displayed formula fits its box, or scrolls sideways with the side that has more faded out."""
    _emulate(browser, width, 900)
    try:
        browser.get(f"{site_url}/{page}")
        hidden = browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            MathJax.startup.promise.then(() => new Promise(wait => setTimeout(wait, 300))).then(() => {
              done(Array.from(document.querySelectorAll('article mjx-container[display]')).filter(m => {
                if (m.scrollWidth <= m.clientWidth + 1) return false;
                const style = getComputedStyle(m);
                const scrolls = ['auto', 'scroll'].includes(style.overflowX);
                const cue = m.classList.contains('more-right') && (style.maskImage || style.webkitMaskImage || '').includes('gradient');
                return !(scrolls && cue);
              }).map(m => `${m.scrollWidth} px in ${m.clientWidth} px: ${m.textContent.slice(0, 60)}`));
            });""")
    finally:
        _stop_emulating(browser)
    assert not hidden, f"{page} at {width} px, formulas cut off without a cue:\n" + "\n".join(hidden)


@pytest.mark.parametrize("page", toc_pages())
def test_a_page_loads_under_3_mb_of_its_own(browser, site_url, built_site, page):
    """The page and what it loads beyond the shared theme, fonts and MathJax (its figures), on a phone."""
    _emulate(browser, PHONE_WIDTH)
    try:
        browser.get(f"{site_url}/{page}")
        browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        time.sleep(0.5)
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    finally:
        _stop_emulating(browser)
    own = {page} | {urlparse(url).path.lstrip("/") for url in loaded
                    if urlparse(url).netloc == urlparse(site_url).netloc and not urlparse(url).path.startswith("/_static/")}
    sizes = {path: (built_site / path).stat().st_size for path in own if (built_site / path).is_file()}
    assert len(sizes) > 1 or "_images" not in (built_site / page).read_text(), f"{page}: no figures seen loading"
    assert sum(sizes.values()) < MAX_PAGE_BYTES, f"{page}: {sum(sizes.values()):,} bytes: " + ", ".join(
        f"{path} {size:,}" for path, size in sorted(sizes.items(), key=lambda item: -item[1])[:5])


@pytest.mark.parametrize("page", toc_pages())
def test_no_stray_outputs_or_repeated_figures(built_site, page):
    """No return value of a plotting call (`<matplotlib.legend.Legend at 0x…>`), no check of an exercise
    left undone, no figure shown twice on a page."""
    html = (built_site / page).read_text()
    assert not STRAY_OUTPUTS.findall(html), f"{page}: {sorted(set(STRAY_OUTPUTS.findall(html)))}"
    figures = re.findall(r'<img [^>]*src="([^"]*_images/[^"]+)"', html)
    assert len(figures) == len(set(figures)), f"{page} shows a figure twice: {[f for f in figures if figures.count(f) > 1]}"


def test_no_page_links_to_an_empty_index(built_site):
    linked = [page for page in toc_pages() if "genindex.html" in (built_site / page).read_text()]
    index = built_site / "genindex.html"
    assert not linked or "<td" in index.read_text(), f"pages link to an empty index: {linked}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_built_site_has_no_solutions_or_hidden_tests(built_site, assignment_id):
    """No page carries a solution or hidden-test marker; an assignment's page holds none of its solution's
    lines, and a chapter no more than a few (a compile call, an import) that the prose shows on purpose."""
    secret = leaks.solution_lines(REPO, assignment_id)
    other_assignments = [a for a in ASSIGNMENTS if a != assignment_id]
    for page in built_site.rglob("*"):
        if page.suffix not in {".html", ".ipynb", ".md", ".txt", ".js", ".json"} or "_static" in page.parts:
            continue
        text = leaks.readable_text(page)
        assert not leaks.MARKERS.search(text), f"{page} contains solution or hidden-test markers"
        if any(other in page.parts for other in other_assignments):
            continue  # the other assignment's page is checked against its own solution
        leaked = [line for line in secret if line in text]
        tolerated = 0 if assignment_id in page.parts else leaks.CHAPTER_TOLERANCE
        assert len(leaked) <= tolerated, f"{page} contains solution code: {leaked[:3]}"
