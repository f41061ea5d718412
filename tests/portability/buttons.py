"""The website's buttons that lead off the site, and the URLs the course's settings say they must have."""

from __future__ import annotations

from pathlib import Path

import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[2]


def launch_services() -> dict:
    """Binder's and Colab's addresses and the notebook interface, from _config.yml (services, not the course)."""
    return yaml.safe_load((REPO / "_config.yml").read_text())["launch_buttons"]


def expected_buttons(settings: dict, notebook: str | None) -> dict[str, str]:
    """Every off-site button of a page, derived from ``settings`` (REPOSITORY_URL, BRANCH):
    repository and issues on every page, Binder and Colab on a notebook's page."""
    repository, branch = settings["REPOSITORY_URL"], settings["BRANCH"]
    host, owner, name = repository.strip("/").rsplit("/", 2)
    assert host == "https://github.com", "the launch-button URLs below are GitHub's forms"
    buttons = {"repository": repository, "issues": f"{repository}/issues/new?title="}
    if notebook:
        services = launch_services()
        interface = {"classic": "tree", "jupyterlab": "lab/tree"}[services.get("notebook_interface", "classic")]
        buttons["binder"] = f"{services['binderhub_url'].rstrip('/')}/v2/gh/{owner}/{name}/{branch}?urlpath={interface}/{notebook}"
        buttons["colab"] = f"{services['colab_url'].rstrip('/')}/github/{owner}/{name}/blob/{branch}/{notebook}"
    return buttons


def page_buttons(page: Path) -> list[str] | None:
    """The addresses of a page's buttons that leave the site (None for a redirect, which has no buttons)."""
    soup = BeautifulSoup(page.read_text(), "html.parser")
    if soup.select_one('meta[http-equiv="Refresh"], meta[http-equiv="refresh"]'):
        return None
    return [a["href"] for a in soup.select("a.btn[href]") if a["href"].startswith(("http://", "https://"))]


def check_buttons(html: Path, settings: dict) -> int:
    """Assert that every page's off-site buttons are exactly the ones derived from ``settings``; return the count."""
    checked = 0
    for page in sorted(html.rglob("*.html")):
        if "_static" in page.parts:
            continue
        relative = page.relative_to(html).with_suffix(".ipynb")
        notebook = str(relative) if (html / "_sources" / relative).is_file() else None
        wanted = expected_buttons(settings, notebook)
        found = page_buttons(page)
        if found is None:
            continue
        for url in found:
            kinds = [kind for kind, good in wanted.items() if url == good or (kind == "issues" and url.startswith(good))]
            assert kinds, f"{page.relative_to(html)}: the button to {url} is not derived from {settings['REPOSITORY_URL']}"
        missing = [kind for kind, good in wanted.items() if not any(u == good or u.startswith(good) for u in found)]
        assert not missing, f"{page.relative_to(html)}: no {missing} button (wanted {wanted})"
        checked += len(found)
    assert checked, f"no buttons found in {html}"
    return checked
