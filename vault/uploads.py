"""Checks on uploaded attachments before they are stored.

The type is decided by the content (magic bytes), never by the file name or the browser's claim.
Allowed: PDF, PNG, JPEG, DOCX and plain text. Anything that can run code in a browser or on a
computer (HTML, SVG, scripts, executables, macro documents, PDFs with scripts or actions) is refused.
PDF and Word files are judged by a real parser (qpdf through pikepdf; zipfile with a byte counter) in a
child process with hard limits (vault.sandbox), so a decompression bomb ends the child, not the worker.
"""

import io
import re
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vault import sandbox

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
ALLOWED_CONTENT_TYPES = (PDF, PNG, JPEG, DOCX, TEXT)
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", TEXT: ".txt"}

DOCX_MAX_RATIO = 100
DOCX_MAX_ENTRIES = 2000

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"#!",  # scripts with an interpreter line
)
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
    """Decide the type from the bytes themselves, or refuse the file. PDF and Word files are opened by a
    real parser in a limited child process (vault.sandbox)."""
    if data.startswith(b"%PDF-"):
        _in_sandbox("vault.uploads:inspect_pdf", data)
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        _in_sandbox("vault.uploads:inspect_docx", data)
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


def _in_sandbox(function: str, data: bytes) -> None:
    try:
        sandbox.run(function, data, max_unpacked=settings.DOCUMENT_MAX_UNPACKED_MB * sandbox.MB)
    except sandbox.Refused as refusal:
        raise ValidationError(refusal.message, code=refusal.code) from None


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


def inspect_pdf(data: bytes, *, max_unpacked: int) -> None:
    """Runs in the sandbox: refuse a PDF that qpdf cannot read, that is encrypted, that unpacks to more than
    `max_unpacked` bytes, or that holds active content. Raises sandbox.Refused (Dutch)."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise _pdf_encrypted() from None
    except pikepdf.PdfError:
        raise sandbox.Refused(_("Deze PDF is beschadigd en kan niet worden gelezen of opgeslagen."),
                              code="pdf_damaged") from None
    with pdf:
        if pdf.is_encrypted:
            raise _pdf_encrypted()
        check_pdf_unpacked_size(pdf, max_unpacked)
        if _pdf_active_content(pdf):
            raise sandbox.Refused(
                _("Deze PDF bevat scripts, ingesloten bestanden of andere actieve inhoud en kan niet worden opgeslagen."),
                code="pdf_active_content",
            )


def _pdf_encrypted():
    return sandbox.Refused(_("Deze PDF is beveiligd met een wachtwoord of versleuteld en kan niet worden opgeslagen. "
                             "Sla een versie zonder beveiliging op en probeer het opnieuw."), code="pdf_encrypted")


# Names that mean active content wherever they occur (qpdf has already decoded #xx escapes and object
# streams): scripts, programs, embedded files, Flash/3D, XFA forms and form actions that send or load data.
_PDF_ACTIVE_NAMES = frozenset({
    "/JS", "/JavaScript", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/FileAttachment", "/RichMedia", "/XFA",
    "/SubmitForm", "/ImportData", "/GoToE",
})
# What a PDF may do by itself, on opening (/OpenAction) or on an event (/AA): only go to a page. A link the
# reader clicks (/URI in a link annotation) is fine; one that opens itself is not.
_PDF_AUTOMATIC_ACTIONS = frozenset({"/GoTo"})
_PDF_MAX_ACTIONS = 10_000


def _pdf_active_content(pdf) -> str | None:
    """The first name that makes the PDF active, or None. Every indirect object is visited once (from the
    cross-reference table, including objects inside object streams); direct objects are followed inside it."""
    import pikepdf

    stack = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Name):
            if str(obj) in _PDF_ACTIVE_NAMES:
                return str(obj)
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in obj.keys():
                if key in _PDF_ACTIVE_NAMES:
                    return key
                value = obj.get(key)
                if key in ("/OpenAction", "/AA") and (found := _pdf_automatic_action(value, key)):
                    return found
                if isinstance(value, pikepdf.Object) and not value.is_indirect:
                    stack.append(value)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(item for item in obj if isinstance(item, pikepdf.Object) and not item.is_indirect)
    return None


def _pdf_automatic_action(value, key: str) -> str | None:
    """The type of an action that runs by itself and does more than go to a page, or None."""
    import pikepdf

    actions = list(value.values()) if key == "/AA" and isinstance(value, pikepdf.Dictionary) else [value]
    seen = set()
    for _step in range(_PDF_MAX_ACTIONS):
        if not actions:
            return None
        action = actions.pop()
        if not isinstance(action, pikepdf.Dictionary):
            continue  # a destination: an array or a name
        if action.is_indirect:
            if action.objgen in seen:
                continue
            seen.add(action.objgen)
        kind = action.get("/S")
        if kind is not None and str(kind) not in _PDF_AUTOMATIC_ACTIONS:
            return str(kind)
        following = action.get("/Next")
        if isinstance(following, pikepdf.Array):
            actions.extend(following)
        elif following is not None:
            actions.append(following)
    return "/Next"  # an endless chain of actions


_PDF_GENERIC_FILTERS = frozenset({"/FlateDecode", "/LZWDecode", "/ASCIIHexDecode", "/ASCII85Decode",
                                  "/RunLengthDecode"})
_CHUNK = 1024 * 1024


def check_pdf_unpacked_size(pdf, max_unpacked: int) -> None:
    """Refuse (sandbox.Refused) a PDF whose streams unpack to more than `max_unpacked` bytes together. Flate
    streams are inflated a megabyte at a time with a counter, so a bomb stops at the limit; other generic
    filters are decoded whole, which the sandbox's memory limit bounds."""
    import pikepdf

    left = max_unpacked
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            left -= _pdf_stream_size(obj, left)
            if left < 0:
                raise sandbox.Refused(sandbox.TOO_COMPLEX, code="too_complex")


def _pdf_stream_size(stream, allowed: int) -> int:
    import pikepdf

    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    try:
        raw = stream.read_raw_bytes()
        if names and names[0] == "/FlateDecode":
            return _inflated_size(raw, allowed)
        if names and all(name in _PDF_GENERIC_FILTERS for name in names):
            return len(stream.read_bytes())
    except (pikepdf.PdfError, zlib.error) as error:
        if "bad_alloc" in str(error):
            raise MemoryError from None  # qpdf ran into the sandbox's memory limit
        return 0  # a damaged stream: readers stop there too
    return len(raw)  # not compressed, or an image format (JPEG, JBIG2...) that stays packed


def _inflated_size(raw: bytes, allowed: int, wbits: int = zlib.MAX_WBITS | 32) -> int:
    """What deflated data inflates to, counted a megabyte at a time up to one chunk past `allowed`.
    The default wbits reads a zlib or gzip header (PDF); raises zlib.error on damaged data."""
    inflater = zlib.decompressobj(wbits)
    size = 0
    pending = raw
    while not inflater.eof and size <= allowed:
        out = inflater.decompress(pending, _CHUNK)
        if not out and not inflater.unconsumed_tail and not pending:
            break  # truncated
        size += len(out)
        pending = inflater.unconsumed_tail
    return size


def inspect_docx(data: bytes, *, max_unpacked: int) -> None:
    """Runs in the sandbox: check_docx."""
    check_docx(data, max_unpacked=max_unpacked)


def check_docx(data: bytes, *, max_unpacked: int) -> None:
    """A Word package, not a zip bomb and without macros or programs; raises sandbox.Refused (Dutch) otherwise.

    Every member is really unpacked, with a byte counter: the sizes in the zip directory are only the
    sender's claim. A member that unpacks to more than it claims is refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _not_allowed_refusal() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > DOCX_MAX_ENTRIES:
            raise _zip_bomb()
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise _not_allowed_refusal()
        if any(name.lower().endswith(("vbaproject.bin", ".exe", ".dll", ".js", ".vbs")) for name in names):
            raise sandbox.Refused(
                _("Dit Word-document bevat macro's of programma's en kan niet worden opgeslagen."), code="docx_macros"
            )
        left = min(max_unpacked, DOCX_MAX_RATIO * len(data))
        for entry in entries:
            size = _zip_member_size(data, entry, left)
            if size > entry.file_size or size > left:
                raise _zip_bomb()
            if size < entry.file_size:
                raise _not_allowed_refusal()  # truncated or damaged
            left -= size


def _zip_member_size(data: bytes, entry: zipfile.ZipInfo, allowed: int) -> int:
    """What a member really unpacks to, counted up to about a megabyte past `allowed`."""
    if entry.flag_bits & 0x1:
        raise _not_allowed_refusal()  # an encrypted member
    offset = entry.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise _not_allowed_refusal()
    start = offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    raw = data[start:start + entry.compress_size]
    if entry.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise _not_allowed_refusal()  # Word writes only these two
    try:
        return _inflated_size(raw, allowed, -zlib.MAX_WBITS)
    except zlib.error:
        raise _not_allowed_refusal() from None


def _not_allowed_refusal():
    error = _not_allowed()
    return sandbox.Refused(error.message, code=error.code)


def _zip_bomb():
    return sandbox.Refused(
        _("Dit Word-document pakt uit tot een onredelijk groot bestand en kan niet worden opgeslagen."),
        code="zip_bomb",
    )
