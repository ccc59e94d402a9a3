"""Shared helpers for the sociale-kaart tests: the seed documents and .docx/.pdf versions of any text."""

import io
from html import escape
from pathlib import Path

import pytest
from django.conf import settings

SEED_DIR = Path(settings.BASE_DIR).parent / "shared" / "seeds"
GENERIC_TEMPLATE = "000_7f4a6d81fa48c56a.txt"  # JSO template with a Maastricht sociale kaart
DE_SPRONG = "003_f675b55e4d39137c.txt"  # C.B.S. De Sprong, Hoogeveen


def seed_text(name: str) -> str:
    path = SEED_DIR / name
    if not path.exists():
        pytest.skip(f"seed document {name} not found in {SEED_DIR}")
    return path.read_text(encoding="utf-8")


def docx_bytes(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_table(rows: list[list[str]], before: str = "") -> bytes:
    from docx import Document

    document = Document()
    if before:
        document.add_paragraph(before)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(text: str, *, preformatted: bool = True) -> bytes:
    from weasyprint import HTML

    if preformatted:
        body = f"<pre>{escape(text)}</pre>"
    else:
        body = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()
