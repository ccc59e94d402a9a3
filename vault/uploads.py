"""Checks on uploaded attachments before they are stored.

The type is decided by the content (magic bytes), never by the file name or the browser's claim.
Allowed: PDF, PNG, JPEG, DOCX and plain text. Anything that can run code in a browser or on a
computer (HTML, SVG, scripts, executables, macro documents) is refused.
"""

import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
ALLOWED_CONTENT_TYPES = (PDF, PNG, JPEG, DOCX, TEXT)
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", TEXT: ".txt"}

DOCX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
DOCX_MAX_RATIO = 100
DOCX_MAX_ENTRIES = 2000

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"#!",  # scripts with an interpreter line
)
# Active content inside a PDF: scripts, launching programs, embedded files, forms that run code.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|AA)\b")
# Markup a browser would render or run when a text file is opened in it.
_TEXT_MARKUP = re.compile(
    r"<\s*(?:script|html|svg|iframe|object|embed|body|head|meta|link|style|!doctype|\?xml)\b|javascript\s*:",
    re.IGNORECASE,
)
# Control characters other than tab, newline, carriage return and form feed do not belong in text.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _limit_in_mb() -> str:
    megabytes = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return f"{megabytes:g}"


def read_all(django_file) -> bytes:
    if hasattr(django_file, "seek"):
        django_file.seek(0)
    if hasattr(django_file, "chunks"):
        data = b"".join(django_file.chunks())
    else:
        data = django_file.read()
    if hasattr(django_file, "seek"):
        django_file.seek(0)
    return data


def _file_size(django_file) -> int | None:
    size = getattr(django_file, "size", None)
    return int(size) if size is not None else None


def validate_upload(django_file) -> str:
    """The content type of an acceptable upload; raises ValidationError (in Dutch) otherwise."""
    size = _file_size(django_file)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise _too_large()
    data = read_all(django_file)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise _too_large()
    if not data:
        raise ValidationError(_("Het bestand is leeg."), code="empty")
    return detect_content_type(data)


def _too_large():
    return ValidationError(_("Het bestand is groter dan %(limit)s MB."), code="too_large",
                           params={"limit": _limit_in_mb()})


def detect_content_type(data: bytes) -> str:
    """Decide the type from the bytes themselves, or refuse the file."""
    if data.startswith(b"%PDF-"):
        if _PDF_ACTIVE.search(data):
            raise ValidationError(
                _("Deze PDF bevat scripts, ingesloten bestanden of andere actieve inhoud en kan niet worden opgeslagen."),
                code="pdf_active_content",
            )
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        check_docx(data)
        return DOCX
    if data.startswith(_EXECUTABLE_MAGIC):
        raise ValidationError(_("Programma's en scripts kunnen niet worden opgeslagen."), code="executable")
    text = _as_text(data)
    if text is not None:
        if _TEXT_MARKUP.search(text):
            raise ValidationError(
                _("HTML-, SVG- en scriptbestanden kunnen niet worden opgeslagen."), code="markup"
            )
        return TEXT
    raise _not_allowed()


def _not_allowed():
    return ValidationError(
        _("Dit bestandstype is niet toegestaan. Toegestaan zijn PDF, PNG, JPEG, Word (.docx) en platte tekst."),
        code="type_not_allowed",
    )


def _as_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_CHARS.search(text):
            return None
        return text
    return None


def check_docx(data: bytes) -> None:
    """A Word package, not a zip bomb and without macros or programs; ValidationError (Dutch) otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _not_allowed() from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise _not_allowed()
        if len(entries) > DOCX_MAX_ENTRIES:
            raise _zip_bomb()
        uncompressed = sum(entry.file_size for entry in entries)
        if uncompressed > DOCX_MAX_UNCOMPRESSED or uncompressed > DOCX_MAX_RATIO * len(data):
            raise _zip_bomb()
        if any(name.lower().endswith(("vbaproject.bin", ".exe", ".dll", ".js", ".vbs")) for name in names):
            raise ValidationError(
                _("Dit Word-document bevat macro's of programma's en kan niet worden opgeslagen."), code="docx_macros"
            )


def _zip_bomb():
    return ValidationError(
        _("Dit Word-document pakt uit tot een onredelijk groot bestand en kan niet worden opgeslagen."),
        code="zip_bomb",
    )
