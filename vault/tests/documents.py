"""Hostile and harmless documents for the upload and import tests, made here rather than stored as fixtures."""

import functools
import io
import struct
import zipfile
import zlib

# A one-page PDF without a cross-reference table: qpdf rebuilds it, the way viewers do.
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n"
               b"%%EOF\n")


def build_pdf(catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = (), content: bytes = b"",
              filters: bytes = b"") -> bytes:
    """A PDF written by hand, with a correct cross-reference table: object 1 the catalog (plus `catalog`),
    2 the pages, 3 the page (plus `page`), 4 its content stream (`content`, already encoded with `filters`),
    then the `extra` objects as 5, 6, ..."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page + b" >>",
        b"<< /Length %d " % len(content) + filters + b" >>\nstream\n" + content + b"\nendstream",
        *extra,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_with_javascript_in_object_streams() -> bytes:
    """JavaScript in the names tree, but every dictionary packed into a compressed object stream: the bytes
    of the file do not contain the word."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["start", action])))
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    data = buffer.getvalue()
    assert b"JavaScript" not in data and b"/JS" not in data
    return data


def pdf_with_embedded_file() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["virus.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + bytes(100), mime_type="application/x-msdownload")
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


BOMB_MEGABYTES = 600


@functools.cache
def pdf_bomb_stream() -> bytes:
    """About 600 KB of zlib data that inflates to 600 MB of zeros (compressed a megabyte at a time, so
    making it costs no memory)."""
    compressor = zlib.compressobj(9)
    megabyte = bytes(1024 * 1024)
    return b"".join(compressor.compress(megabyte) for _ in range(BOMB_MEGABYTES)) + compressor.flush()


def pdf_bomb() -> bytes:
    """A PDF of about 600 KB whose one content stream inflates to 600 MB."""
    return build_pdf(content=pdf_bomb_stream(), filters=b"/Filter /FlateDecode")


def lying_docx(real_size: int = 200 * 1024 * 1024, claimed_size: int = 1000) -> bytes:
    """A Word package whose word/document.xml unpacks to `real_size` bytes while the zip's local header and
    central directory both claim `claimed_size` (compressed a megabyte at a time: no memory needed)."""
    name = "word/document.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(b"<w:document>")
            chunk = b" " * (1024 * 1024)
            for _ in range(real_size // len(chunk)):
                member.write(chunk)
        header_offset = archive.getinfo(name).header_offset
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, header_offset + 22, claimed_size)  # local file header: uncompressed size
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, claimed_size)  # central directory: uncompressed size
    return bytes(data)
