"""Getting the bytes of an upload and deciding what they are: refuse what is not a CSV (Excel,
zip, PDF, HTML, JSON, binary), detect the encoding, re-encode as UTF-8, take a text sample.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import zipfile

from core.errors import DataError

SAMPLE_BYTES = 64 * 1024
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"  # not \t \n \v \f \r
_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "looks like an old Excel (.xls) workbook",
     "In Excel use File > Save As > CSV and upload the .csv file"),
    (b"\x1f\x8b", "is gzip-compressed", "Decompress it (e.g. gunzip) and upload the .csv inside"),
    (b"%PDF", "is a PDF document", "Export the table to CSV from the program that made it"),
    (b"PAR1", "is a Parquet file",
     "Convert it with pandas.read_parquet(...).to_csv(...) and upload the CSV"),
)  # fmt: skip


def resolve_source(source: object, max_bytes: int) -> tuple[str | None, bytes | None, str]:
    """(path, data, default name): exactly one of path and data is set."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise DataError(f"File not found: '{path}'", "Check the path and try again")
        return path, None, os.path.basename(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return None, bytes(source) if not isinstance(source, bytes) else source, "data.csv"
    if hasattr(source, "read"):
        raw_name = getattr(source, "name", None)
        name = os.path.basename(raw_name) if isinstance(raw_name, str) else "data.csv"
        if hasattr(source, "getvalue"):  # BytesIO / Streamlit's UploadedFile: no copy
            data = source.getvalue()
        else:
            if hasattr(source, "seekable") and source.seekable():
                source.seek(0)
            data = source.read(max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("read_table needs a binary file object; open the file with 'rb'")
        return None, bytes(data), name
    raise TypeError(f"read_table takes a path, bytes or a binary file; got {type(source).__name__}")


def read_head(path: str | None, data: bytes | None, n: int = SAMPLE_BYTES) -> bytes:
    if data is not None:
        return data[:n]
    with open(path, "rb") as f:
        return f.read(n)


def read_all(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def scan_bytes(path: str | None, data: bytes | None) -> tuple[str, bool]:
    """sha256 of the raw bytes and whether they hold a NUL, read in 1 MB pieces (a memory
    map of the whole file would count in the resident memory while the file is parsed)."""
    if data is not None:
        return hashlib.sha256(data).hexdigest(), data.find(b"\0") >= 0
    digest, nul = hashlib.sha256(), False
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            nul = nul or chunk.find(b"\0") >= 0
    return digest.hexdigest(), nul


def refuse_binary_formats(head: bytes, path: str | None, data: bytes | None) -> None:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path if path is not None else io.BytesIO(data)) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        if any(n.startswith("xl/") for n in names):
            raise DataError(
                "The file looks like an Excel workbook, not a CSV",
                "In Excel use File > Save As > CSV (comma delimited) and upload the .csv file",
            )
        raise DataError(
            "The file is a zip archive, not a CSV", "Unzip it and upload the CSV inside"
        )
    for magic, what, hint in _MAGIC:
        if head.startswith(magic):
            raise DataError(f"The file {what}, not a CSV", hint)


def sniff_encoding(head: bytes) -> str:
    """'utf-8-sig', 'utf-16', 'utf-16-le'/'-be' (no BOM), 'utf-8', or 'legacy' (cp1252/latin-1)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    probe = head[:4096]
    probe = probe[: len(probe) - len(probe) % 2]
    if len(probe) >= 4:
        even, odd = probe[0::2].count(0) / (len(probe) / 2), probe[1::2].count(0) / (len(probe) / 2)
        if odd > 0.6 and even < 0.05:
            return "utf-16-le"
        if even > 0.6 and odd < 0.05:
            return "utf-16-be"
    n_control = len(head) - len(head.translate(None, _CONTROL))
    if n_control > max(8, 0.02 * len(head)):
        raise DataError(
            f"The file looks binary, not like text: {n_control} of its first {len(head)} bytes "
            "are control characters",
            "Upload a plain-text CSV (in a spreadsheet program use Save As > CSV)",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "legacy"
    return "utf-8"


def to_utf8(raw: bytes, encoding: str, has_nul: bool, notes: list[str]) -> tuple[bytes, str]:
    """Re-encode as UTF-8 (stripping NULs from 8-bit text); returns (bytes, encoding used)."""
    if has_nul and not encoding.startswith("utf-16"):
        notes.append(f"Removed {raw.count(0)} NUL bytes (\\0) from the file.")
        raw = raw.replace(b"\0", b"")
    if encoding == "legacy":
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
        notes.append(
            f"The file is not valid UTF-8; decoded it as {encoding}. If accented letters look "
            "wrong, save the file as UTF-8 and upload it again."
        )
        return text.encode("utf-8"), encoding
    if encoding.startswith("utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as err:
            raise DataError(
                f"The file looks like UTF-16 text but cannot be decoded ({err.reason} at byte "
                f"{err.start})",
                "Save it again as UTF-8 CSV and upload that",
            ) from None
        notes.append(f"Decoded the file as {encoding.upper()}.")
        return text.lstrip("\ufeff").encode("utf-8"), encoding
    return raw, encoding


def sample_text(src: str | bytes) -> tuple[str, bool]:
    """The first ~64 KB as text (more if needed to hold a few full lines) and whether that is
    the whole file."""
    size = len(src) if isinstance(src, bytes) else os.path.getsize(src)
    n = SAMPLE_BYTES
    while True:
        sample = src[:n] if isinstance(src, bytes) else read_head(src, None, n)
        text, complete = _decode_sample(sample, size)
        if complete or text.count("\n") >= 3 or n >= 64 * SAMPLE_BYTES:
            return text, complete
        n *= 4


def _decode_sample(sample: bytes, size: int) -> tuple[str, bool]:
    """UTF-8 text of the sample, cut after its last full line unless it is the whole file."""
    complete = len(sample) >= size
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=complete)
    text = text.removeprefix("\ufeff")
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text, complete


def refuse_text_formats(text: str, complete: bool, src: str | bytes) -> None:
    body = text.lstrip()
    if not body:
        if complete:
            raise DataError("The file is empty (only blank space)", "Upload a CSV with data")
        return
    start = body[:256].lower()
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise DataError(
            "The file is an HTML page, not a CSV",
            "Download the data itself as CSV (not the web page) and upload that",
        )
    if start.startswith("<?xml"):
        raise DataError(
            "The file is XML, not a CSV",
            "Convert it with pandas.read_xml(...).to_csv(...) or export CSV from its program",
        )
    if body[0] in "{[" and _is_json(body, complete, src):
        raise DataError(
            "The file is JSON, not a CSV",
            "Convert it with pandas.read_json(...).to_csv(...) and upload the CSV",
        )


def _is_json(body: str, complete: bool, src: str | bytes) -> bool:
    first = body.split("\n", 1)[0]
    candidates = [first, body] if complete else [first]
    for text in candidates:
        try:
            if isinstance(json.loads(text), (dict, list)):
                return True
        except ValueError:
            pass
    if complete:
        return False
    raw = src if isinstance(src, bytes) else read_all(src)
    try:
        return isinstance(json.loads(raw.decode("utf-8-sig", errors="replace")), (dict, list))
    except ValueError:
        return False
