"""Turn an uploaded meldcode document (.txt, .docx or .pdf) into plain text for the parser.

The type is taken from the content (magic bytes), not from the file name: a renamed file is read for what
it is, and a file that only pretends to be a PDF or Word document is refused. Every refusal is a
`DocumentError` whose message can be shown to the school as it is.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024

PDF, DOCX, TEXT = "pdf", "docx", "txt"
SUPPORTED_EXTENSIONS = (".txt", ".docx", ".pdf")


class DocumentError(Exception):
    """The document cannot be read; the message says why, in Dutch, for the person who uploaded it."""


def read_document(data: bytes, filename: str = "") -> str:
    """The text of the document. Raises DocumentError for empty, too large, encrypted or unreadable files."""
    if len(data) > MAX_BYTES:
        raise DocumentError(_("Het bestand is groter dan 10 MB. Sla alleen de meldcode op en probeer het opnieuw."))
    if not data.strip():
        raise DocumentError(_("Het bestand is leeg."))
    kind = detect_type(data, filename)
    if kind == PDF:
        text = read_pdf(data)
    elif kind == DOCX:
        text = read_docx(data)
    else:
        text = read_text(data)
    if not text.strip():
        raise DocumentError(_("In het bestand staat geen tekst die gelezen kan worden."))
    return text


def detect_type(data: bytes, filename: str = "") -> str:
    extension = PurePath(filename or "").suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as error:
            raise DocumentError(_("Het bestand is beschadigd en kan niet worden geopend.")) from error
        if "word/document.xml" in names:
            return DOCX
        raise DocumentError(_("Dit is geen Word-document. Upload de meldcode als .docx, .pdf of .txt."))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE container: an old .doc file, or a .docx that is protected with a password.
        raise DocumentError(_(
            "Dit is een oud Word-bestand (.doc) of een met een wachtwoord beveiligd document. "
            "Sla het in Word op als .docx zonder wachtwoord en probeer het opnieuw."))
    if data.startswith(b"{\\rtf"):
        raise DocumentError(_("RTF-bestanden worden niet ondersteund. Sla het document op als .docx of .pdf."))
    if extension == ".pdf":
        raise DocumentError(_("Het bestand heet .pdf maar is geen PDF-document."))
    if extension == ".docx":
        raise DocumentError(_("Het bestand heet .docx maar is geen Word-document."))
    if extension == ".doc":
        raise DocumentError(_("Oude Word-bestanden (.doc) worden niet ondersteund. Sla het op als .docx."))
    if _looks_binary(data):
        raise DocumentError(_(
            "Dit bestand bevat geen leesbare tekst. Upload de meldcode als .docx, .pdf of .txt."))
    return TEXT


def _looks_binary(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return control > len(sample) * 0.01


def read_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, otherwise Windows-1252 as Word saves it in the Netherlands."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DocumentError(_("De tekst in het bestand kan niet worden gelezen.")) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_docx(data: bytes) -> str:
    """Paragraphs and tables in document order. Table rows become "cell<TAB>cell" lines; a table whose first
    row holds only labels ("Organisatie | Telefoon | E-mail") becomes one labelled block per row."""
    from docx import Document
    from docx.table import Table

    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds of errors on a broken package
        raise DocumentError(_("Het Word-document is beschadigd en kan niet worden geopend.")) from error
    parts = []
    for block in _body_blocks(document.element.body, document._body):
        if isinstance(block, Table):
            parts.append(_table_text(block))
        else:
            parts.append(block.text)
    return "\n".join(parts)


def _body_blocks(element, parent):
    """Paragraphs and tables in document order, also those inside content controls (w:sdt) of templates."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_blocks(content, parent)


def _cell_texts(row) -> list[str]:
    texts = []
    seen = set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell appears once for every column it spans
            continue
        seen.add(id(cell._tc))
        nested = "\n".join(_table_text(table) for table in cell.tables)
        texts.append("\n".join(p.text for p in cell.paragraphs) + ("\n" + nested if nested else ""))
    return texts


def _table_text(table) -> str:
    from socialmap.parser import NAME, match_label

    rows = [_cell_texts(row) for row in table.rows]
    if not rows:
        return ""
    header = [match_label(cell.strip().rstrip(":")) for cell in rows[0]]
    if len(rows[0]) >= 2 and all(header) and any(found[0] == NAME for found in header):
        # A list table: one organisation per row, the labels in the first row.
        blocks = []
        for row in rows[1:]:
            lines = [f"{label.strip().rstrip(':')}: {value.strip()}" for label, value in zip(rows[0], row, strict=False)]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"
    return "\n".join("\t".join(cells) for cells in rows) + "\n"


def read_pdf(data: bytes) -> str:
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        encrypted = bool(document.encryption)
    except (PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise DocumentError(_("De PDF is beveiligd met een wachtwoord. Upload een versie zonder beveiliging.")) from error
    except Exception as error:
        raise DocumentError(_("De PDF is beschadigd en kan niet worden gelezen.")) from error
    if encrypted:
        raise DocumentError(_("De PDF is versleuteld. Upload een versie zonder beveiliging."))
    try:
        text = _pdf_text_by_rows(data)
    except Exception as error:
        raise DocumentError(_("De PDF is beschadigd en kan niet worden gelezen.")) from error
    if _letters(text) < 20 or text.count("(cid:") > 20:
        # pdfminer cannot decode some embedded font encodings (it then returns nothing); pypdf often can.
        text = max(text, _read_pdf_with_pypdf(data), key=_letters)
    if not text.strip():
        raise DocumentError(_("In de PDF staat geen tekst; is het een scan? Upload het originele document."))
    return text


def _pdf_text_by_rows(data: bytes) -> str:
    """The text of each page row by row as the eye reads it.

    pdfminer gives text lines per box; a table puts a label and its value in different boxes, which would
    come out one column after the other. Lines are therefore regrouped by their height on the page, and a
    wider vertical gap becomes a blank line (a new paragraph).
    """
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextLine

    def text_lines(item):
        if isinstance(item, LTTextLine):
            yield item
            return
        for child in getattr(item, "_objs", ()):
            yield from text_lines(child)

    pages = []
    for page in extract_pages(io.BytesIO(data), laparams=LAParams(line_margin=0.3)):
        lines = [line for line in text_lines(page) if line.get_text().strip()]
        lines.sort(key=lambda line: (-line.y1, line.x0))
        rows = []  # [top, bottom, [(x0, text)]]
        for line in lines:
            middle = (line.y0 + line.y1) / 2
            row = next((r for r in rows if r[1] <= middle <= r[0]), None)
            if row is None:
                rows.append([line.y1, line.y0, [(line.x0, line.get_text().strip())]])
            else:
                row[2].append((line.x0, line.get_text().strip()))
        rows.sort(key=lambda r: -r[0])
        out = []
        previous_bottom = None
        for top, bottom, parts in rows:
            height = max(top - bottom, 1)
            if previous_bottom is not None and previous_bottom - top > 0.8 * height:
                out.append("")
            out.append("  ".join(text for _x, text in sorted(parts)))
            previous_bottom = bottom
        pages.append("\n".join(out))
    return "\n\n".join(pages)


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _read_pdf_with_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:
        return ""
    # Two-byte codes that pypdf maps byte by byte leave a NUL before every character.
    return text.replace("\x00", "")
