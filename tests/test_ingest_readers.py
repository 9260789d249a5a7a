"""Readers: plain text, PDF and HTML to raw text; bad files get an error that names them."""

from __future__ import annotations

from pathlib import Path

import pytest
from skillkg.ingest.readers import ReadError, html_to_text, read


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal, valid PDF whose pages show ``pages`` (lines of Latin-1 text) in Helvetica."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_text_is_read_as_utf8_with_its_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "note.fr.txt"
    path.write_bytes("\ufeff1. Première ligne\r\nseconde ligne\n".encode())
    raw = read(path)
    assert raw.text == "1. Première ligne\nseconde ligne\n"
    assert raw.format == "text" and len(raw.sha256) == 64


def test_a_declared_encoding_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("café crème".encode("latin-1"))
    assert read(path, "latin-1").text == "café crème"


def test_pdf_pages_are_separated_by_form_feeds(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(make_pdf([["S/25/5", "1. Les partenariats pour la mobilite"],
                               ["S/25/5", "Page 2", "2. Formation et reconnaissance"]]))
    raw = read(path)
    assert raw.format == "pdf" and raw.pages == 2
    first, second = raw.text.split("\f")
    assert "1. Les partenariats pour la mobilite" in first
    assert "2. Formation et reconnaissance" in second and "Page 2" in second


def test_html_keeps_visible_text_with_blocks_as_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Objective 5</title><style>p {color: red}</style></head><body>"
        "<nav>Home | About</nav><h1>Regular pathways</h1><p>We commit to adapt options&nbsp;and "
        "pathways.</p><ul><li>(a) Develop agreements;</li><li>(b) Facilitate &amp; mobility;</li></ul>"
        "<script>var x = 1;</script><footer>© site</footer></body></html>", encoding="utf-8")
    raw = read(path)
    assert raw.title == "Objective 5"
    assert raw.text.split("\n\n") == ["Regular pathways", "We commit to adapt options and pathways.",
                                      "(a) Develop agreements;", "(b) Facilitate & mobility;"]
    assert "Home" not in raw.text and "var x" not in raw.text and "©" not in raw.text


def test_html_charset_meta_is_used(tmp_path: Path) -> None:
    path = tmp_path / "latin.htm"
    path.write_bytes('<meta charset="iso-8859-1"><p>Sécurité</p>'.encode("latin-1"))
    assert read(path).text == "Sécurité"


def test_html_to_text_ignores_markup_only_pages() -> None:
    assert html_to_text("<html><script>x()</script></html>") == ("", "")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        ("latin1.txt", "Sécurité".encode("latin-1"), r"is not valid utf-8 \(line 1, byte 1"),
        ("controls.txt", b"ab\x01\x02\x03\x04\x05\x06cd", "looks binary"),
        ("fake.pdf", b"just text, not a PDF", "is not a PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "is not a readable PDF"),
        ("notes.docx", b"PK\x03\x04", "unsupported format '.docx'"),
        ("scripts.html", b"<script>x()</script>", "HTML page with no visible text"),
    ],
)
def test_bad_files_get_an_error_naming_them(tmp_path: Path, name: str, content: bytes,
                                            message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        read(path)
    assert str(info.value).startswith(str(path))
    assert info.value.path == str(path)


def test_a_pdf_without_a_text_layer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[]]))
    with pytest.raises(ReadError, match="no text layer"):
        read(path)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read(tmp_path / "absent.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ReadError, match="is a directory"):
        read(folder)
