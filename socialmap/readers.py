"""Turn an uploaded meldcode document (.txt, .docx or .pdf) into plain text for the parser.

The type is taken from the content (magic bytes), not from the file name: a renamed file is read for what
it is, and a file that only pretends to be a PDF or Word document is refused. Every refusal is a
`DocumentError` whose message can be shown to the school as it is. PDF and Word documents are parsed in a
child process with hard limits (vault.sandbox): `extract_text` is what runs there.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
# A meldcode of a hundred pages is about 250,000 characters; far more is another document, and the parser's
# time grows with the number of lines.
MAX_CHARACTERS = 1_000_000

PDF, DOCX, TEXT = "pdf", "docx", "txt"
SUPPORTED_EXTENSIONS = (".txt", ".docx", ".pdf")


class DocumentError(Exception):
    """The document cannot be read; the message says why, in Dutch, for the person who uploaded it."""


def read_document(data: bytes, filename: str = "") -> str:
    """The text of the document. Raises DocumentError for empty, too large, encrypted or unreadable files.

    PDF and Word documents are read in a child process with hard limits on memory, CPU time, wall-clock time
    and unpacked size (vault.sandbox), one process per document: a decompression bomb ends the child."""
    if len(data) > MAX_BYTES:
        raise DocumentError(_("Het bestand is groter dan 10 MB. Sla alleen de meldcode op en probeer het opnieuw."))
    if not data.strip():
        raise DocumentError(_("Het bestand is leeg."))
    kind = detect_type(data, filename)
    if kind == TEXT:
        text = read_text(data)
        _check_text(text)
        return text
    from django.conf import settings

    from vault import sandbox

    try:
        return sandbox.run("socialmap.readers:extract_text", data, kind=kind,
                           max_unpacked=settings.DOCUMENT_MAX_UNPACKED_MB * sandbox.MB)
    except sandbox.Refused as refusal:
        raise DocumentError(refusal.message) from None


def extract_text(data: bytes, *, kind: str, max_unpacked: int) -> str:
    """Runs in the sandbox: the text of a PDF or Word document. Refusals leave as sandbox.Refused, whose
    message the parent translates."""
    from vault import sandbox

    try:
        text = read_pdf(data, max_unpacked=max_unpacked) if kind == PDF else read_docx(data, max_unpacked=max_unpacked)
        _check_text(text)
    except DocumentError as error:
        raise sandbox.Refused(str(error)) from None
    return text


def _check_text(text: str) -> None:
    if not text.strip():
        raise DocumentError(_("In het bestand staat geen tekst die gelezen kan worden."))
    if len(text) > MAX_CHARACTERS:
        raise DocumentError(_("Het document bevat veel meer tekst dan een meldcode. Sla alleen de meldcode (of alleen "
                              "de sociale kaart) op als apart document en probeer het opnieuw."))


def detect_type(data: bytes, filename: str = "") -> str:
    """PDF, DOCX (any zip: the sandbox opens it and says whether it is a Word document) or TEXT, from the first
    bytes; raises DocumentError for a known type that cannot be read."""
    extension = PurePath(filename or "").suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return DOCX
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


def read_docx(data: bytes, *, max_unpacked: int) -> str:
    """Paragraphs and tables in document order. Table rows become "cell<TAB>cell" lines ("Label: value" for a
    label and its value); a table whose first row holds only labels ("Organisatie | Telefoon | E-mail") becomes
    one labelled block per row, one with the labels in its first column one block per column.

    Call it in the sandbox: the package checks unpack every member with a byte counter first."""
    from docx import Document
    from docx.table import Table

    from vault.uploads import check_docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise DocumentError(_("Het bestand is beschadigd en kan niet worden geopend.")) from error
    if "word/document.xml" not in names:
        raise DocumentError(_("Dit is geen Word-document. Upload de meldcode als .docx, .pdf of .txt."))
    check_docx(data, max_unpacked=max_unpacked)  # the same package checks as an attachment: no zip bomb, no macros
    try:
        document = Document(io.BytesIO(data))
    except MemoryError:
        raise
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
    """A table as text. List tables (labels in the first row) and column tables (labels in the first column,
    one column per organisation) become labelled blocks; other tables one tab-separated line per row."""
    rows = [_cell_texts(row) for row in table.rows]
    if not rows:
        return ""
    if _labels_with_name(rows[0]):
        # A list table: one organisation per row, the labels in the first row.
        return "\n\n".join(_labelled_block(rows[0], row) for row in rows[1:]) + "\n"
    first_column = [row[0] for row in rows]
    if min(len(row) for row in rows) >= 3 and _labels_with_name(first_column):
        # One organisation per column, the labels in the first column.
        columns = range(1, min(len(row) for row in rows))
        return "\n\n".join(_labelled_block(first_column, [row[j] for row in rows]) for j in columns) + "\n"
    return "\n".join(_row_text(cells) for cells in rows) + "\n"


def _is_label(cell: str) -> bool:
    from socialmap.parser import match_label

    return bool(cell.strip()) and match_label(cell.strip().rstrip(":")) is not None


def _labels_with_name(cells: list[str]) -> bool:
    """Whether every cell is a label ("Telefoon", "E-mail:") and one of them names the organisation."""
    from socialmap.parser import NAME, match_label

    found = [match_label(cell.strip().rstrip(":")) for cell in cells]
    return len(cells) >= 2 and all(found) and any(kind == NAME for kind, _qualifier in found)


def _labelled_block(labels: list[str], values: list[str]) -> str:
    return "\n".join(_field_text(label, value) for label, value in zip(labels, values, strict=False))


def _field_text(label: str, value: str) -> str:
    """"Label: value"; the further lines of a cell (a second phone number, the postcode) follow indented, the
    way the parser reads the continuation of a field."""
    first, *more = value.strip().split("\n")
    lines = [f"{label.strip().rstrip(':')}: {first.strip()}"]
    lines.extend(f"    {line.strip()}" for line in more if line.strip())
    return "\n".join(lines)


def _row_text(cells: list[str]) -> str:
    """A row as "cell<TAB>cell"; cells over several lines continue on indented lines below the row. A label
    with its value ("Telefoon | 0592 123456") becomes "Telefoon: 0592 123456", also when the value is empty."""
    if len(cells) == 2 and _is_label(cells[0]) and "\n" not in cells[0].strip():
        return _field_text(cells[0], cells[1])
    split = [cell.split("\n") for cell in cells]
    lines = ["\t".join(parts[0] for parts in split)]
    for index in range(1, max(len(parts) for parts in split)):
        rest = [parts[index].strip() for parts in split if index < len(parts) and parts[index].strip()]
        if rest:
            lines.append("    " + "  ".join(rest))
    return "\n".join(lines)


def read_pdf(data: bytes, *, max_unpacked: int) -> str:
    """The text of a PDF. Call it in the sandbox: qpdf first counts what the streams unpack to, so that a
    bomb is refused before pdfminer inflates it whole."""
    import pikepdf

    from vault.uploads import check_pdf_unpacked_size

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise DocumentError(_("De PDF is versleuteld. Upload een versie zonder beveiliging."))
            check_pdf_unpacked_size(pdf, max_unpacked)
    except pikepdf.PasswordError as error:
        raise DocumentError(_("De PDF is beveiligd met een wachtwoord. Upload een versie zonder beveiliging.")) from error
    except pikepdf.PdfError as error:
        raise DocumentError(_("De PDF is beschadigd en kan niet worden gelezen.")) from error
    try:
        text = _pdf_text_by_rows(data)
    except MemoryError:
        raise  # the sandbox's limit: "too large or too complex", not "damaged"
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
    wider vertical gap becomes a blank line (a new paragraph). A list table (labels in its header row) is
    rebuilt column by column, because its cells wrap over several rows.
    """
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    pages = []
    for page in extract_pages(io.BytesIO(data), laparams=LAParams(line_margin=0.3)):
        pages.append("\n".join(_rows_text(_page_rows(page), _horizontal_edges(page))))
    return "\n\n".join(pages)


def _page_rows(page) -> list[list]:
    """[top, bottom, [(x0, text), ...]] for each row of text on the page, from top to bottom."""
    from pdfminer.layout import LTTextLine

    def text_lines(item):
        if isinstance(item, LTTextLine):
            yield item
            return
        for child in getattr(item, "_objs", ()):
            yield from text_lines(child)

    lines = [line for line in text_lines(page) if line.get_text().strip()]
    lines.sort(key=lambda line: (-line.y1, line.x0))
    rows = []
    for line in lines:
        middle = (line.y0 + line.y1) / 2
        row = next((r for r in rows if r[1] <= middle <= r[0]), None)
        if row is None:
            row = [line.y1, line.y0, []]
            rows.append(row)
        row[2].extend(_line_segments(line))
    for row in rows:
        row[2].sort()
    rows.sort(key=lambda r: -r[0])
    return rows


def _horizontal_edges(page) -> list[float]:
    """The heights of the horizontal lines on the page: the borders between the rows of a table."""
    from pdfminer.layout import LTCurve

    edges = []
    for item in page:
        if isinstance(item, LTCurve) and item.width > 20:
            if item.height < 2:
                edges.append((item.y0 + item.y1) / 2)
            else:
                edges.extend((item.y0, item.y1))
    return edges


def _is_paragraph_gap(previous_bottom: float | None, top: float, bottom: float) -> bool:
    return previous_bottom is not None and previous_bottom - top > 0.8 * max(top - bottom, 1)


def _rows_text(rows: list[list], edges: list[float]) -> list[str]:
    out = []
    previous_bottom = None
    index = 0
    while index < len(rows):
        top, bottom, parts = rows[index]
        if _is_paragraph_gap(previous_bottom, top, bottom):
            out.append("")
        table = None
        if _labels_with_name([text for _x, text in parts]):
            table = _pdf_list_table(rows, index, edges)
        elif len(parts) >= 3 and _labels_with_name([parts[0][1], parts[0][1]]):
            table = _pdf_column_table(rows, index, edges)
        if table:
            index, lines = table
            out.extend(lines)
            previous_bottom = rows[index - 1][1]
            continue
        out.append("  ".join(text for _x, text in parts))
        previous_bottom = bottom
        index += 1
    return out


def _pdf_list_table(rows: list[list], header: int, edges: list[float]) -> tuple[int, list[str]]:
    """A list table from its header row on: (the index of the first row after it, its labelled blocks).

    A new organisation starts where a border runs between two rows; in a table without borders between its
    rows, at every row with text in the first column, unless that text goes on from the row above
    ("(schoolmaatschappelijk", "werk)").
    """
    end, table = _table_rows(rows, header, edges)
    labels, body = table[0][1], table[1:]
    if not body:
        return header + 1, ["  ".join(labels)]
    ruled = any(border for border, _cells in body[1:])  # a line under the header alone says nothing
    records: list[list[list[str]]] = []
    for border, cells in body:
        first = cells[0]
        if not records or (border if ruled else first and not first[0].islower() and first[0] != "("):
            records.append([[] for _ in labels])
        for column, text in enumerate(cells):
            if text:
                records[-1][column].append(text)
    lines = []
    for record in records:
        lines.extend(_labelled_block(labels, [_join_wrapped(cell) for cell in record]).split("\n"))
        lines.append("")
    return end, lines


def _pdf_column_table(rows: list[list], first: int, edges: list[float]) -> tuple[int, list[str]] | None:
    """A table with the labels in its first column and one column per organisation: (the index after it, one
    labelled block per column). A row without a label holds the wrapped rest of the cells above it."""
    end, table = _table_rows(rows, first, edges)
    fields: list[list[list[str]]] = []  # per label row: [[label], [lines of the first organisation], ...]
    for _border, cells in table:
        if cells[0] and not _is_label(cells[0]):
            end = first + len(fields)
            break
        if cells[0]:
            fields.append([[text] if text else [] for text in cells])
        else:
            for column, text in enumerate(cells):
                if text:
                    fields[-1][column].append(text)
    if len(fields) < 2:
        return None
    blocks = []
    for column in range(1, len(fields[0])):
        values = [_join_wrapped(field[column]) for field in fields]
        blocks.extend(_labelled_block([field[0][0] for field in fields], values).split("\n"))
        blocks.append("")
    return end, blocks


def _table_rows(rows: list[list], first: int, edges: list[float]) -> tuple[int, list[tuple[bool, list[str]]]]:
    """The rows of a table from its first row on: (the index after the table, [(a border above the row, the text
    in each column of the first row)]). Each piece of text goes to the column that starts where it starts; the
    table ends at text that does not line up with the columns, or at a paragraph's gap without a border."""
    starts = [x for x, _text in rows[first][2]]
    table = [(False, [text for _x, text in rows[first][2]])]
    previous_bottom = rows[first][1]
    index = first + 1
    while index < len(rows):
        top, bottom, parts = rows[index]
        border = any(top - 1 <= y <= previous_bottom + 1 for y in edges)
        aligned = all(any(abs(x - start) <= 3 for start in starts) for x, _text in parts)
        if not aligned or _is_paragraph_gap(previous_bottom, top, bottom) and not border:
            break  # the end of the table, or text laid out with tabs that the parser reads by content
        cells: list[list[str]] = [[] for _ in starts]
        for x, text in parts:
            cells[min(range(len(starts)), key=lambda j: abs(starts[j] - x))].append(text)
        table.append((border, [" ".join(texts) for texts in cells]))
        previous_bottom = bottom
        index += 1
    return index, table


def _join_wrapped(lines: list[str]) -> str:
    """The lines of a PDF table cell as one value. They are where the PDF wrapped the text ("088 - 246",
    "02 44"), except before a postcode, where the writer started the second line of an address."""
    value = ""
    for line in lines:
        separator = "\n" if re.match(r"\d{4}\s?[A-Z]{2}\b", line) else " "
        value = value + separator + line if value else line
    return value


def _line_segments(line) -> list[tuple[float, str]]:
    """The text of a pdfminer text line as (x0, text) pieces, cut where a gap wider than about half a letter
    separates two table cells (pdfminer joins a label and its value when they are close)."""
    from pdfminer.layout import LTChar

    segments: list[list] = []
    previous = None
    for item in line:
        if isinstance(item, LTChar):
            if previous is None or item.x0 - previous.x1 > 0.6 * max(item.size, 1):
                segments.append([item.x0, ""])
            previous = item
        if segments:
            segments[-1][1] += item.get_text()
    return [(x0, text.strip()) for x0, text in segments if text.strip()]


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _read_pdf_with_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except MemoryError:
        raise
    except Exception:
        return ""
    # Two-byte codes that pypdf maps byte by byte leave a NUL before every character.
    return text.replace("\x00", "")
