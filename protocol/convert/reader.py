"""A meldcode document as numbered sentences: the unit the alignment and the rules work on.

The bytes are read by the sociale-kaart readers (socialmap.readers) with their limits; PDF and Word documents
are parsed in the sandbox (vault.sandbox). For PDFs this module's `extract_pages` runs in the sandbox instead
of `socialmap.readers.extract_text`, so that each sentence keeps its page number.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import asdict, dataclass

PAGE_BREAK = "\f"


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    page: int
    line: int
    heading: bool = False

    def source(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    filename: str
    text: str
    sentences: list[Sentence]

    @property
    def pages(self) -> int:
        return self.text.count(PAGE_BREAK) + 1


def read(data: bytes, filename: str = "") -> Document:
    """Read the bytes (DocumentError with a Dutch message when they cannot be read) into sentences."""
    from socialmap import readers

    if len(data) > readers.MAX_BYTES:
        raise readers.DocumentError("Het bestand is groter dan 10 MB.")
    if not data.strip():
        raise readers.DocumentError("Het bestand is leeg.")
    kind = readers.detect_type(data, filename)
    if kind == readers.PDF:
        from django.conf import settings

        from vault import sandbox

        try:
            text = sandbox.run("protocol.convert.reader:extract_pages", data, kind=kind,
                               max_unpacked=settings.DOCUMENT_MAX_UNPACKED_MB * sandbox.MB)
        except sandbox.Refused as refusal:
            raise readers.DocumentError(refusal.message) from None
    else:
        text = readers.read_document(data, filename)
    return from_text(text, filename)


def extract_pages(data: bytes, *, kind: str, max_unpacked: int) -> str:
    """Runs in the sandbox: the text of a PDF with a form feed between pages (the same row reading and the same
    checks as socialmap.readers.read_pdf)."""
    import pikepdf
    from pdfminer.high_level import extract_pages as pdf_pages
    from pdfminer.layout import LAParams

    from socialmap import readers
    from vault import sandbox
    from vault.uploads import check_pdf_unpacked_size

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise sandbox.Refused("De PDF is versleuteld. Upload een versie zonder beveiliging.")
            check_pdf_unpacked_size(pdf, max_unpacked)
    except pikepdf.PasswordError:
        raise sandbox.Refused("De PDF is beveiligd met een wachtwoord. Upload een versie zonder beveiliging.") from None
    except pikepdf.PdfError:
        raise sandbox.Refused("De PDF is beschadigd en kan niet worden gelezen.") from None
    except readers.DocumentError as error:
        raise sandbox.Refused(str(error)) from None
    pages = []
    for page in pdf_pages(io.BytesIO(data), laparams=LAParams(line_margin=0.3)):
        pages.append("\n".join(readers._rows_text(readers._page_rows(page), readers._horizontal_edges(page))))
    text = PAGE_BREAK.join(pages)
    if readers._letters(text) < 20 or text.count("(cid:") > 20:
        # pdfminer cannot decode some embedded font encodings; pypdf often can (without page breaks then)
        text = max(text, _pypdf_pages(data), key=readers._letters)
    if not text.strip():
        raise sandbox.Refused("In de PDF staat geen tekst; is het een scan? Upload het originele document.")
    if len(text) > readers.MAX_CHARACTERS:
        raise sandbox.Refused("Het document bevat veel meer tekst dan een meldcode.")
    return text


def _pypdf_pages(data: bytes) -> str:
    """pypdf's text, page by page (the same reading as socialmap.readers, with the page breaks kept)."""
    from pypdf import PdfReader

    try:
        pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    except MemoryError:
        raise
    except Exception:
        return ""
    return PAGE_BREAK.join(pages).replace("\x00", "")


_BULLET = re.compile(r"^[\s\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043\u2219\uf0b7\uf0a7\uf076\uf0d8\uf0fc*>\-\u2013\u2014]+")
_NUMBERED = re.compile(r"^\(?\d{1,2}[.)]\s+(?=\D)")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_HEADING = re.compile(r"^(stap\s+\d+[ab]?\b|[IVX]{1,4}[.\s]|noodsituaties?\b|route\b|sociale kaart\b|bijlage\b)",
                      re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;:?!])\s+(?=[A-Z\u00c0-\u00de(\"‘'])")
_END_PUNCT = ".;:?!"


def _clean_line(raw: str) -> tuple[str, bool]:
    """The line's text without bookmarks, bullets and list numbers, and whether it started a list item."""
    line = _BOOKMARK.sub("", raw).replace("\t", " ")
    line = unicodedata.normalize("NFC", line).strip()
    item = bool(_BULLET.match(line) or _NUMBERED.match(line))
    line = _BULLET.sub("", line)
    rest = _NUMBERED.sub("", line)
    # "3. Gesprek met de ouder" is a numbered heading, not a list item: it keeps its number (short, no full stop)
    if not (rest != line and len(rest) < 70 and rest[-1:] not in ".;:?!,"):
        line = rest
    return re.sub(r"\s+", " ", line).strip(), item


def from_text(text: str, filename: str = "") -> Document:
    """Join wrapped lines into units (paragraphs, list items, headings) and split those into sentences.

    A line is continued by the next one when it does not end a sentence and either the next starts in lower
    case or the line is long (a wrapped line of a PDF); blank lines between wrapped lines (as PDF extraction
    leaves them) do not end a unit then."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines: list[tuple[str, bool, int, int]] = []  # text, starts item, page, line number
    page, number = 1, 0
    for raw_page_index, raw_page in enumerate(text.split(PAGE_BREAK)):
        page = raw_page_index + 1
        for raw in raw_page.split("\n"):
            number += 1
            clean, item = _clean_line(raw)
            if clean:
                lines.append((clean, item, page, number))
    units: list[tuple[str, int, int, bool]] = []
    current: list[str] = []
    start = (1, 1)
    for position, (clean, _item, pg, no) in enumerate(lines):
        if not current:
            start = (pg, no)
        current.append(clean)
        nxt = lines[position + 1] if position + 1 < len(lines) else None
        joined = " ".join(current)
        ends = clean[-1] in _END_PUNCT
        heading = bool(_HEADING.match(joined)) and len(joined) < 120
        continues = nxt is not None and not ends and not nxt[1] and not heading and not _HEADING.match(nxt[0]) and (
            nxt[0][:1].islower() or len(clean) >= 70 or clean.endswith(("-", ","))
        )
        if not continues:
            units.append((joined, start[0], start[1], heading))
            current = []
    sentences: list[Sentence] = []
    for unit, pg, no, heading in units:
        parts = [unit] if heading else [p.strip() for p in _SENTENCE_END.split(unit) if p.strip()]
        for part in parts:
            sentences.append(Sentence(len(sentences), part, pg, no, heading))
    return Document(filename=filename, text=text, sentences=sentences)
