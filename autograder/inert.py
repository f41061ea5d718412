"""The executed notebook as a person may open it: nothing in it runs in their browser.

``autograded/<student>/<assignment>/<Notebook>.ipynb`` is what nbgrader's formgrader and
nbconvert show the instructor. The sandbox wrote it, so everything in it is the student's: an
output of type ``text/html`` holding ``<script>``, JavaScript, SVG, widget state, a markdown cell
with raw HTML, an image whose "base64" closes the attribute it lands in. :func:`inert_notebook`
keeps only what renders as text or as an image and shows everything else as escaped text.
"""

from __future__ import annotations

import json
import re

from autograder import untrusted

# Output types rendered without running anything: text is escaped, images are decoded as pixels.
INERT_MIME_TYPES = ("text/plain", "image/png", "image/jpeg", "image/gif")
_IMAGE_MIME_TYPES = INERT_MIME_TYPES[1:]
_DISPLAY_OUTPUTS = ("display_data", "execute_result", "update_display_data")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # the start of an HTML tag or comment, not "a < b"
_SCRIPT_URL = re.compile(r"(?i)\b(java|vb)script:")  # a link that runs: "unsafe:" makes it unknown
MAX_SHOWN_CHARS = 10_000  # of a hidden rich output, shown as text instead


def inert_notebook(data: bytes) -> bytes:
    """``data`` (an executed notebook, untrusted) with every active part made text.

    Rich outputs keep only :data:`INERT_MIME_TYPES` (images only if their data is base64, their
    metadata only a numeric width and height); an output that had nothing else gets its hidden
    content as ``text/plain``. Markdown cells show HTML tags as text, raw cells lose their render
    format, attachments and widget state are dropped. Raises
    :class:`~autograder.untrusted.UntrustedDataError` if ``data`` is not a bounded JSON notebook.
    """
    notebook = untrusted.loads(data)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise untrusted.UntrustedDataError("the executed notebook has no list of cells")
    if isinstance(notebook.get("metadata"), dict):
        notebook["metadata"].pop("widgets", None)
    notebook["cells"] = [_inert_cell(cell) for cell in notebook["cells"] if isinstance(cell, dict)]
    return (json.dumps(notebook, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _inert_cell(cell: dict) -> dict:
    cell.pop("attachments", None)
    kind = cell.get("cell_type")
    if kind == "markdown":
        cell["source"] = _inert_markdown(_text(cell.get("source")))
    elif kind == "raw":
        if isinstance(cell.get("metadata"), dict):  # nbconvert inserts a text/html raw cell as it is
            for key in ("format", "raw_mimetype"):
                cell["metadata"].pop(key, None)
    elif kind == "code":
        outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        cell["outputs"] = [out for out in map(_inert_output, outputs) if out is not None]
    else:
        return {"cell_type": "raw", "metadata": {}, "source": _text(cell.get("source"))}
    return cell


def _inert_markdown(source: str) -> str:
    return _SCRIPT_URL.sub(lambda m: f"unsafe:{m.group()}", _TAG_START.sub("&lt;", source))


def _inert_output(output) -> dict | None:
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": str(output.get("name")), "text": _text(output.get("text"))}
    if kind == "error":
        return {"output_type": "error", "ename": _text(output.get("ename")), "evalue": _text(output.get("evalue")),
                "traceback": [_text(line) for line in output.get("traceback", [])]
                if isinstance(output.get("traceback"), list) else []}
    if kind not in _DISPLAY_OUTPUTS:
        return None
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    kept = {mime: _text(value) for mime, value in data.items() if mime in INERT_MIME_TYPES}
    kept = {mime: value for mime, value in kept.items()
            if mime == "text/plain" or _BASE64.fullmatch(value)}
    hidden = [mime for mime in data if mime not in kept]
    if hidden:  # the active output's source, as text (an HTML object's text/plain says nothing of it)
        source = _text(data[hidden[0]])
        shown = source if len(source) <= MAX_SHOWN_CHARS else (
            f"{source[:MAX_SHOWN_CHARS]}\n... [output truncated by the grader: {len(source):,} characters]")
        note = f"[{_text(hidden[0])[:100]} output shown as text by the grader]\n{shown}"
        kept["text/plain"] = f"{kept['text/plain']}\n{note}" if "text/plain" in kept else note
    metadata = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
    sizes = {mime: {key: value for key, value in metadata[mime].items()
                    if key in ("width", "height") and isinstance(value, int) and not isinstance(value, bool)}
             for mime in _IMAGE_MIME_TYPES if mime in kept and isinstance(metadata.get(mime), dict)}
    inert = {"output_type": kind, "data": kept, "metadata": {m: s for m, s in sizes.items() if s}}
    if kind == "execute_result":
        count = output.get("execution_count")
        inert["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return inert


def _text(value) -> str:
    """A notebook string (text or a list of lines) as one string; anything else as its JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return json.dumps(value, ensure_ascii=False)
