"""Turning a document template into an archival PDF, and keeping the result encrypted for a day.

Only the export task calls `render_pdf`: WeasyPrint takes a second or more and must stay off request paths.
"""

import logging
from datetime import datetime

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from vault.files import store_bytes
from vault.models import StoredFile

# WeasyPrint reports every rendering step at INFO level; keep the log for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# PDF/A-3b: the archival variant WeasyPrint supports that keeps text extractable.
PDF_VARIANT = "pdf/a-3b"
STYLESHEET = "documents/documents.css"


def exported_line(exporter_name: str, exported_at: datetime) -> str:
    return _("Geëxporteerd door %(name)s op %(when)s") % {
        "name": exporter_name, "when": timezone.localtime(exported_at).strftime("%d-%m-%Y %H:%M")}


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_stylesheet(exporter_name: str, exported_at: datetime) -> str:
    """The running header and footer on every page: confidential, who exported it and when, page numbers.

    Made per export (the name differs each time); it is a stylesheet for the PDF renderer only, never
    sent to a browser.
    """
    return (
        "@page {"
        f" @top-left {{ content: {_css_string(_('Vertrouwelijk'))}; }}"
        f" @bottom-left {{ content: {_css_string(exported_line(exporter_name, exported_at))}; }}"
        f" @bottom-right {{ content: {_css_string(_('Pagina'))} ' ' counter(page) ' / ' counter(pages); }}"
        " }"
    )


def render_pdf(template: str, context: dict, *, exporter_name: str, exported_at: datetime,
               attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """`attachments`: (file name, bytes, content type) to embed as files, as PDF/A-3 allows ("Supplement")."""
    from weasyprint import CSS, HTML, Attachment

    html = render_to_string(template, {**context, "for_pdf": True, "layout": "documents/pdf.html"})
    stylesheets = [CSS(string=page_stylesheet(exporter_name, exported_at))]
    path = finders.find(STYLESHEET)
    if path:
        stylesheets.insert(0, CSS(filename=path))
    embedded = [Attachment(string=data, name=name, relationship="Supplement",
                           description=_("Bijlage bij het dossier")) for name, data, _type in attachments]
    return HTML(string=html).write_pdf(stylesheets=stylesheets, pdf_variant=PDF_VARIANT, attachments=embedded)


def store_generated(data: bytes, *, purpose: str, content_type: str = "application/pdf") -> StoredFile:
    """Encrypt a generated file into the vault. Not an upload, so the upload checks do not apply."""
    return store_bytes(data, purpose=purpose, content_type=content_type)
