"""Regenerate the Word and PDF documents of the conversion corpus from their plain sources.

Each binary document NN-name.docx / NN-name.pdf has a sibling NN-name.source.md in a small markdown dialect:

    # Heading 1            ## Heading 2            ### Heading 3
    1. item                a numbered list item (Word numbering: the number is not part of the text)
    - item                 a bullet
    | a | b |              a table row; the first row is the header, a |---| row is skipped
    <<<PAGE>>>             a page break
    ^ text                 a footnote-like note in small print
    [[sdt]] text           a paragraph inside a Word content control (w:sdt), as template forms have them
    a<br>b                 inside a table cell: a line break within the cell
    !header text           the running header of the document (Word header / PDF page header)
    (blank line)           ends a paragraph; lines of one paragraph are joined with a space

Run it from anywhere:  python protocol/tests/conversion_corpus/build.py  (add --check to only compare).
The output is deterministic: fixed zip timestamps and core properties for Word, fixed metadata for PDF.
"""

from __future__ import annotations

import html
import io
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2024, 3, 1, 9, 0, 0)  # naive, as Word stores it
ZIP_TIME = (2024, 3, 1, 9, 0, 0)
PAGE = "<<<PAGE>>>"


@dataclass
class Block:
    kind: str  # h1 h2 h3 p num bullet table page note
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Source:
    header: str
    blocks: list[Block]


def parse(text: str) -> Source:
    header = ""
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        nonlocal paragraph, table
        if paragraph:
            blocks.append(Block("p", " ".join(paragraph)))
            paragraph = []
        if table:
            blocks.append(Block("table", rows=table))
            table = []

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("!"):
            header = stripped[1:].strip()
            continue
        if stripped.startswith("|"):
            if paragraph:
                flush()
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if all(set(cell) <= set("-: ") for cell in cells):
                continue
            table.append(cells)
            continue
        if table:
            flush()
        if stripped == PAGE:
            flush()
            blocks.append(Block("page"))
        elif stripped.startswith("### "):
            flush()
            blocks.append(Block("h3", stripped[4:]))
        elif stripped.startswith("## "):
            flush()
            blocks.append(Block("h2", stripped[3:]))
        elif stripped.startswith("# "):
            flush()
            blocks.append(Block("h1", stripped[2:]))
        elif stripped.startswith("- "):
            flush()
            blocks.append(Block("bullet", stripped[2:]))
        elif stripped[:1].isdigit() and ". " in stripped[:4] and stripped.split(". ", 1)[0].isdigit():
            flush()
            blocks.append(Block("num", stripped.split(". ", 1)[1]))
        elif stripped.startswith("^ "):
            flush()
            blocks.append(Block("note", stripped[2:]))
        elif stripped.startswith("[[sdt]] "):
            flush()
            blocks.append(Block("sdt", stripped[len("[[sdt]] "):]))
        elif line.startswith("  ") and blocks and blocks[-1].kind in ("bullet", "num") and not paragraph:
            blocks[-1].text += " " + stripped  # continuation of a list item
        else:
            paragraph.append(stripped)
    flush()
    return Source(header, blocks)


# --- Word -------------------------------------------------------------------------------------------------

def build_docx(source: Source, title: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.author = "Meldcode conversion corpus (made-up school)"
    properties.last_modified_by = "Meldcode conversion corpus"
    properties.created = FIXED_TIME
    properties.modified = FIXED_TIME
    properties.revision = 1
    if source.header:
        document.sections[0].header.paragraphs[0].text = source.header
    pending_break = False
    for block in source.blocks:
        if block.kind == "page":
            pending_break = True
            continue
        if block.kind == "table":
            table = document.add_table(rows=0, cols=max(len(row) for row in block.rows))
            table.style = "Table Grid"
            for index, row in enumerate(block.rows):
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=False):
                    cell.text = value.replace("<br>", "\n")
                    if index == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            paragraph = None
        elif block.kind in ("h1", "h2", "h3"):
            paragraph = document.add_heading(block.text, level=int(block.kind[1]))
        elif block.kind == "num":
            paragraph = document.add_paragraph(block.text, style="List Number")
        elif block.kind == "bullet":
            paragraph = document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "note":
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            run.font.size = Pt(8)
            run.italic = True
        elif block.kind == "sdt":
            paragraph = document.add_paragraph(block.text)
            _wrap_in_content_control(paragraph)
        else:
            paragraph = document.add_paragraph(block.text)
        if pending_break:
            if paragraph is not None:
                # Word puts a page break as a run of its own at the start of the next paragraph's page.
                paragraph.paragraph_format.page_break_before = True
            else:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            pending_break = False
    raw = io.BytesIO()
    document.save(raw)
    return _normalise_zip(raw.getvalue())


def _wrap_in_content_control(paragraph) -> None:
    """Put the paragraph inside a plain-text content control, the way Word templates hold fill-in fields."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    sdt = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    alias = OxmlElement("w:alias")
    alias.set(qn("w:val"), "Invulveld")
    properties.append(alias)
    properties.append(OxmlElement("w:text"))
    content = OxmlElement("w:sdtContent")
    paragraph._p.addprevious(sdt)
    sdt.append(properties)
    sdt.append(content)
    content.append(paragraph._p)


def _normalise_zip(data: bytes) -> bytes:
    """The same package with fixed member timestamps, so that the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 22mm 20mm 22mm 20mm;
        @top-right { content: "%(header)s"; font-size: 8pt; color: #555; }
        @bottom-center { content: "Pagina " counter(page) " van " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.35;
       font-variant-ligatures: none; hyphens: manual; text-align: left; }
h1 { font-size: 16pt; margin: 0 0 8pt 0; }
h2 { font-size: 12.5pt; margin: 14pt 0 4pt 0; }
h3 { font-size: 10.5pt; margin: 10pt 0 3pt 0; }
p { margin: 0 0 6pt 0; }
ol, ul { margin: 0 0 6pt 0; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0 10pt 0; font-size: 8.5pt; }
td, th { border: 0.6pt solid #444; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #e8e8e8; }
.note { font-size: 7.5pt; font-style: italic; }
.page { break-before: page; }
"""


def to_html(source: Source, title: str) -> str:
    parts = [f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<meta name='author' content='Meldcode conversion corpus (made-up school)'>",
             "<meta name='dcterms.created' content='2024-03-01T09:00:00Z'>",
             "<meta name='dcterms.modified' content='2024-03-01T09:00:00Z'>",
             "<style>", CSS % {"header": source.header.replace('"', "'")}, "</style></head><body>"]
    open_list = ""
    page_next = False

    def attr() -> str:
        nonlocal page_next
        if page_next:
            page_next = False
            return " class='page'"
        return ""

    for block in source.blocks:
        if block.kind not in ("num", "bullet") and open_list:
            parts.append(f"</{open_list}>")
            open_list = ""
        if block.kind == "page":
            page_next = True
        elif block.kind in ("h1", "h2", "h3"):
            parts.append(f"<{block.kind}{attr()}>{html.escape(block.text)}</{block.kind}>")
        elif block.kind in ("num", "bullet"):
            tag = "ol" if block.kind == "num" else "ul"
            if open_list != tag:
                if open_list:
                    parts.append(f"</{open_list}>")
                parts.append(f"<{tag}{attr()}>")
                open_list = tag
            parts.append(f"<li>{html.escape(block.text)}</li>")
        elif block.kind == "table":
            parts.append(f"<table{attr()}>")
            for index, row in enumerate(block.rows):
                cell = "th" if index == 0 else "td"
                parts.append("<tr>" + "".join(
                    f"<{cell}>{html.escape(v).replace('&lt;br&gt;', '<br>')}</{cell}>" for v in row) + "</tr>")
            parts.append("</table>")
        elif block.kind == "note":
            parts.append(f"<p class='note'>{html.escape(block.text)}</p>")
        else:  # p, and sdt (a content control is an ordinary paragraph on paper)
            parts.append(f"<p{attr()}>{html.escape(block.text)}</p>")
    if open_list:
        parts.append(f"</{open_list}>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_pdf(source: Source, title: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(source, title)).write_pdf(identifier=b"meldcode-corpus", uncompressed_pdf=False)


# --- driver -----------------------------------------------------------------------------------------------

def targets() -> list[tuple[Path, Path]]:
    """(source, document) pairs: every NN-name.source.md belongs to NN-name.docx or NN-name.pdf."""
    pairs = []
    for source in sorted(HERE.glob("*.source.md")):
        stem = source.name[: -len(".source.md")]
        kind = "pdf" if (HERE / f"{stem}.pdf").exists() or stem.endswith("-pdf") else "docx"
        marker = source.read_text(encoding="utf-8").splitlines()[0]
        if marker.startswith("<!-- format:"):
            kind = marker.split(":", 1)[1].strip(" ->")
        pairs.append((source, HERE / f"{stem}.{kind}"))
    return pairs


def render(source_path: Path, document_path: Path) -> bytes:
    text = source_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and lines[0].startswith("<!-- format:"):
        text = "\n".join(lines[1:])
    source = parse(text)
    title = next((block.text for block in source.blocks if block.kind == "h1"), document_path.stem)
    if document_path.suffix == ".pdf":
        return build_pdf(source, title)
    return build_docx(source, title)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for source_path, document_path in targets():
        data = render(source_path, document_path)
        if check:
            if not document_path.exists() or document_path.read_bytes() != data:
                stale.append(document_path.name)
        else:
            document_path.write_bytes(data)
            print(f"wrote {document_path.name} ({len(data)} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
