"""Readers: plain text, PDF and HTML files to raw text, with a clear error for bad input.

Every reader returns a :class:`RawDocument` whose ``text`` keeps the source's
line breaks; pages are separated by a form feed (``\\f``) where the format
knows them (PDF).  A file that cannot be used raises :class:`ReadError`,
whose message names the file and says what is wrong and what to do:
missing or unreadable, empty, binary, not valid in its encoding, an
unsupported format, a PDF with no text layer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

#: File suffixes each reader handles.
TEXT_SUFFIXES = (".txt", ".text", ".md")
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES

#: A file with more control characters than this share is treated as binary.
_MAX_CONTROL_SHARE = 0.01


class ReadError(ValueError):
    """A source file cannot be read; the message names the file, the fault and the fix."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class RawDocument:
    """The text of one source file, before cleaning."""

    path: Path
    text: str
    format: str  # "text", "pdf" or "html"
    sha256: str  # of the file's bytes: the identity of this version of the source
    pages: int = 1
    title: str = ""  # from the file itself (HTML <title>, PDF metadata), if any


def read(path: Path, encoding: str = "utf-8") -> RawDocument:
    """Read ``path`` with the reader its suffix calls for."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return read_pdf(path)
    if suffix in HTML_SUFFIXES:
        return read_html(path, encoding)
    if suffix in TEXT_SUFFIXES:
        return read_text(path, encoding)
    raise ReadError(
        path, f"unsupported format {suffix or '(no suffix)'!r}; "
        f"skillkg ingest reads {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError(path, "no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise ReadError(path, "is a directory, not a file") from exc
    except OSError as exc:
        raise ReadError(path, f"cannot be read ({exc.strerror or exc}); check its permissions") from exc
    if not data.strip():
        raise ReadError(path, "is empty; nothing to ingest")
    return data


def _decode(path: Path, data: bytes, encoding: str) -> str:
    """Decode ``data`` strictly, naming the line and byte of the first bad sequence."""
    if b"\x00" in data[:8192]:
        raise ReadError(path, "looks binary (it contains NUL bytes), not text; "
                              "convert it to UTF-8 text, PDF or HTML first")
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(
            path, f"is not valid {encoding} (line {line}, byte {exc.start}: "
            f"{data[exc.start:exc.start + 4]!r}); convert it, e.g. "
            f"`iconv -f latin1 -t utf-8`, or set `encoding:` in its metadata file"
        ) from exc
    except LookupError as exc:
        raise ReadError(path, f"unknown encoding {encoding!r} in its metadata file") from exc
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise ReadError(path, f"looks binary ({controls} control characters), not text")
    if not text.strip():
        raise ReadError(path, "holds no text; nothing to ingest")
    return text


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_text(path: Path, encoding: str = "utf-8") -> RawDocument:
    """Read a plain-text file (UTF-8 unless ``encoding`` says otherwise)."""
    data = _read_bytes(path)
    text = _decode(path, data, encoding).replace("\r\n", "\n").replace("\r", "\n")
    return RawDocument(path, text, "text", _digest(data), pages=text.count("\f") + 1)


def read_pdf(path: Path) -> RawDocument:
    """Read the text layer of a PDF, one page after another, separated by ``\\f``."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = _read_bytes(path)
    if not data.startswith(b"%PDF"):
        raise ReadError(path, "is not a PDF (no %PDF header); check the file or its suffix")
    try:
        import io

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several kinds here
                raise ReadError(path, "is an encrypted PDF; save an unencrypted copy") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ReadError(path, f"is not a readable PDF ({exc}); re-export or repair it") from exc
    if not any(p.strip() for p in pages):
        raise ReadError(path, f"has no text layer ({len(pages)} pages of images?); OCR it first")
    text = "\f".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in pages)
    return RawDocument(path, text, "pdf", _digest(data), pages=len(pages), title=title)


_BLOCK_TAGS = {
    "p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "tr", "table", "dd", "dt", "dl", "pre", "br", "hr", "main", "aside",
    "figcaption", "caption", "td", "th",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "svg",
              "form", "button", "select", "head"}


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML page, one block element per paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """``(text, title)`` of an HTML page: visible text, block elements as paragraphs."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, " ".join("".join(parser.title).split())


def read_html(path: Path, encoding: str = "utf-8") -> RawDocument:
    """Read an HTML page: its visible text, paragraphs separated by blank lines."""
    data = _read_bytes(path)
    declared = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.IGNORECASE)
    if declared and encoding.lower() == "utf-8":
        encoding = declared.group(1).decode("ascii")
    html = _decode(path, data, encoding)
    text, title = html_to_text(html)
    if not text.strip():
        raise ReadError(path, "is an HTML page with no visible text")
    return RawDocument(path, text, "html", _digest(data), title=title)
