"""Reading the locks (requirements/*.txt, written by `make lock`): one entry per pinned package and marker."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

from packaging.markers import Marker
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCKS = REPO / "requirements"
ROLES = ("course", "grader", "book", "dev")
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;]+)\s*(?:;\s*(?P<marker>.*))?$")


class Pin(NamedTuple):
    name: str  # canonical
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self, environment: dict[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(environment)

    def line(self) -> str:
        """The pin as a requirements line without its marker, with its hashes."""
        return f"{self.name}=={self.version} " + " ".join(f"--hash={h}" for h in self.hashes)


def pins(role: str) -> list[Pin]:
    """Every pin of ``requirements/<role>.txt``."""
    text = (LOCKS / f"{role}.txt").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement, *options = re.split(r"\s+--hash=", line)
        match = _PIN.match(requirement.strip())
        assert match, f"requirements/{role}.txt: not a pin: {requirement}"
        marker = match["marker"]
        found.append(Pin(canonicalize_name(match["name"]), match["version"], Marker(marker) if marker else None,
                         tuple(h.split()[0] for h in options)))
    return found


def project(path: Path = REPO / "pyproject.toml") -> dict:
    return tomllib.loads(path.read_text())["project"]
