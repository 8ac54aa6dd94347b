"""Uploads against gunicorn: disguised types, polyglots (a real JPEG that is also a web page, a
real JPEG or PNG that is also a ZIP archive), a decompression bomb, an empty file, a thousand
small files in one form, a file one byte over the limit, and a 50 MB video sent slowly. Every
refusal says why (the form's error summary, or a page of its own for the thousand files) and
stores nothing; what is accepted (a photo, a motion photo with its video on the end, the video)
is stored whole; the app server's peak memory during the uploads is measured (VmHWM, reset
after signing in, whose password hashing has a large peak of its own). ``quick`` leaves out the
two 50 MB uploads (CI's fast subset).
"""

import contextlib
import io
import os
import secrets
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import requests
from PIL import Image

from .client import Browser, entry_id
from .result import Result
from .stack import Process, stack

NEW_ENTRY = "/notes/new/"
LIMIT_BYTES = 50 * 1024 * 1024  # DIARY_MAX_UPLOAD_MB's default
# The slow connection: 50 MB at 4 MB a second, in 64 KiB pieces.
SLOW_BYTES_PER_SECOND = 4 * 1024 * 1024
# A 50 MB upload is spooled to disk and encrypted in chunks; more than this over the signed-in
# baseline means something holds a whole file in memory.
MEMORY_BUDGET_KIB = 160 * 1024


def _png(width: int = 16, height: int = 16) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 150)).save(picture, format="PNG")
    return picture.getvalue()


def _png_bomb(side: int = 20_000) -> bytes:
    """A small PNG that claims 20,000 x 20,000 grey pixels (400 MB decoded): every row zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeezer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte, then the row
    compressed = b"".join(squeezer.compress(row) for _ in range(side)) + squeezer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def _mp4_header() -> bytes:
    """The first box of an MP4 file, which is how its kind is recognised."""
    return struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2"


def _jpeg(width: int = 64, height: int = 48) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (width, height), (150, 90, 30)).save(picture, format="JPEG")
    return picture.getvalue()


PAGE = b"<!doctype html><html><body><script>fetch('/notes/').then(r=>r.text()).then(alert)</script></body></html>"


def _jpeg_and_page() -> bytes:
    """A real JPEG whose comment segment, just after its start, is a web page."""
    picture = _jpeg()
    return picture[:2] + struct.pack(">BBH", 0xFF, 0xFE, len(PAGE) + 2) + PAGE + picture[2:]


def _zip(name: str, content: bytes) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        written.writestr(name, content)
    return archive.getvalue()


def _motion_photo() -> bytes:
    """A JPEG with a short video on its end, as Android phones save a "motion photo"."""
    return _jpeg() + _mp4_header() + os.urandom(200_000) + b"MotionPhoto_Data"


HIDDEN = "with another kind of file hidden inside it"  # what the refusal of a polyglot says
JPEG_AND_PAGE = _jpeg_and_page()
JPEG_AND_ZIP = _jpeg() + _zip("a.html", PAGE)
PNG_AND_ZIP = _png() + _zip("a.js", b"x()")
POLYGLOTS = (JPEG_AND_PAGE, JPEG_AND_ZIP, PNG_AND_ZIP)

# (what, file name, content type the browser claims, bytes, accepted?)
CASES: list[tuple[str, str, str, bytes, bool]] = [
    ("a program named as a photo", "photo.jpg", "image/jpeg", b"MZ\x90\x00" + os.urandom(4000), False),
    ("a web page named as a photo", "photo.png", "image/png", b"<html><script>alert(1)</script></html>", False),
    ("a script claiming to be a PDF", "letter.pdf", "application/pdf", b"#!/bin/sh\nrm -rf /\n", False),
    ("a PNG header on a web page (polyglot)", "odd.png", "image/png", _png()[:33] + b"<script>x()</script>", False),
    ("a real JPEG that is also a web page (polyglot)", "photo.jpg", "image/jpeg", JPEG_AND_PAGE, False),
    ("a real JPEG that is also a ZIP (polyglot)", "photo.jpg", "image/jpeg", JPEG_AND_ZIP, False),
    ("a real PNG that is also a ZIP (polyglot)", "shot.png", "image/png", PNG_AND_ZIP, False),
    ("a decompression bomb", "bomb.png", "image/png", b"", False),  # made when run: a few hundred KB
    ("an empty file", "empty.jpg", "image/jpeg", b"", False),
    ("a real photo", "van.png", "image/png", b"", True),  # made when run
    ("a motion photo (a JPEG with its video on the end)", "motion.jpg", "image/jpeg", _motion_photo(), True),
]


def _form(number: int) -> dict[str, str]:
    return {"what_happened": f"Upload case {number}", "occurred_date": "2026-01-15", "occurred_time": "21:30"}


def _refused_clearly(answer, *, by_the_form: bool = True) -> bool:
    """A refusal says why: the form again with its summary of problems or, for a request Django
    itself will not take (``by_the_form=False``), a 400 page."""
    if answer.status_code in (200, 400) and "error-summary" in answer.text:
        return True
    return not by_the_form and answer.status_code == 400 and bool(answer.text.strip())


def _reset_peak(process: Process) -> None:
    for pid in process.pids():
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current size


def _slowly(head: bytes, size: int, boundary: str, fields: dict[str, str], token: str) -> Iterator[bytes]:
    """A multipart body with one video of ``size`` bytes, sent at the slow connection's pace."""
    for name, value in {**fields, "csrfmiddlewaretoken": token}.items():
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="video.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    yield head
    piece, sent, began = 64 * 1024, len(head), time.monotonic()
    filler = os.urandom(piece)
    while sent < size:
        part = filler[: min(piece, size - sent)]
        sent += len(part)
        yield part
        ahead = sent / SLOW_BYTES_PER_SECOND - (time.monotonic() - began)
        if ahead > 0:
            time.sleep(ahead)
    yield f"\r\n--{boundary}--\r\n".encode()


class _SlowBody:
    """The body's parts with their total length, so it is sent with a Content-Length (as a browser
    sends a form) rather than in chunks, which Django cannot read a form from."""

    def __init__(self, parts: Iterator[bytes], length: int):
        self.parts, self.length = parts, length

    def __iter__(self) -> Iterator[bytes]:
        return self.parts

    def __len__(self) -> int:
        return self.length


def _slow_upload(browser: Browser, size: int) -> tuple[requests.Response, float]:
    browser.session.close()  # a fresh connection: the server closes one after refusing a body unread
    token = browser.token(NEW_ENTRY)
    boundary = secrets.token_hex(16)
    length = sum(len(part) for part in _slowly(_mp4_header(), 0, boundary, _form(99), token)) + size
    length -= len(_mp4_header())  # the header is part of the file's ``size`` bytes
    began = time.monotonic()
    answer = browser.request(
        "POST",
        NEW_ENTRY,
        data=_SlowBody(_slowly(_mp4_header(), size, boundary, _form(99), token), length),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    return answer, time.monotonic() - began


def run(*, quick: bool = False) -> Result:
    result = Result("uploads")
    password = secrets.token_urlsafe(16)
    bomb, photo = _png_bomb(), _png(640, 480)
    with stack("uploads", TRUSTED_PROXY_COUNT="1") as the_stack:
        app = the_stack.app_server(workers=1, threads=4, wait=False)
        (email,) = the_stack.django("members", "1", password)["emails"]
        app.wait_until_healthy()
        browser = Browser(app.url)
        browser.sign_in(email, password)
        token = browser.token(NEW_ENTRY)
        _reset_peak(app)
        baseline = app.peak_memory_kib()
        accepted_entries, accepted_files = 0, 0
        for number, (what, name, claimed, content, accept) in enumerate(CASES):
            content = {"a decompression bomb": bomb, "a real photo": photo}.get(what, content)
            answer = browser.post(
                NEW_ENTRY, _form(number), token=token, files={"attachments": (name, content, claimed)}
            )
            if accept:
                result.check(entry_id(answer) is not None, f"{what}: refused ({answer.status_code})")
                accepted_entries, accepted_files = accepted_entries + 1, accepted_files + 1
            else:
                result.check(_refused_clearly(answer), f"{what}: not refused clearly ({answer.status_code})")
                if content in POLYGLOTS:
                    result.check(HIDDEN in answer.text, f"{what}: the page does not say what is wrong with it")
        # A thousand small photos in one form: more than Django takes in one request.
        many = [("attachments", (f"p{n}.png", _png(), "image/png")) for n in range(1000)]
        answer = browser.post(NEW_ENTRY, _form(50), token=token, files=many)
        result.check(
            answer.status_code == 400 and "Too many files at once" in answer.text,
            f"a thousand files: not told plainly ({answer.status_code})",
        )
        video_took = 0.0
        if not quick:
            # One byte over the limit, then the largest video allowed, over a slow connection.
            over, _took = _slow_upload(browser, LIMIT_BYTES + 1)
            result.check(_refused_clearly(over), f"a video one byte too large: not refused ({over.status_code})")
            video, video_took = _slow_upload(browser, LIMIT_BYTES)
            result.check(entry_id(video) is not None, f"a 50 MB video: refused ({video.status_code})")
            if entry_id(video):
                accepted_entries, accepted_files = accepted_entries + 1, accepted_files + 1
        peak = app.peak_memory_kib()
        stored = the_stack.django("diaries", email)[email]
        files = the_stack.django("storage")
    result.peak_memory_kib = peak
    result.numbers.update(
        {
            "cases": len(CASES) + (1 if quick else 3),
            "entries stored": len(stored["entries"]),
            "files stored": len(files["stored"]),
            **({} if quick else {"50 MB video took": f"{video_took:.0f} s"}),
            "peak over signed-in baseline": f"{(peak - baseline) / 1024:.0f} MiB",
        }
    )
    result.check(len(stored["entries"]) == accepted_entries, f"{len(stored['entries'])} entries stored")
    result.check(len(files["stored"]) == accepted_files, f"{len(files['stored'])} files stored")
    result.check(set(files["stored"]) == set(files["referenced"]), "the stored files and the rows differ")
    result.check(stored["chain_break"] is None, f"the chain is broken at {stored['chain_break']}")
    result.check(
        peak - baseline < MEMORY_BUDGET_KIB, f"the app server's memory grew by {(peak - baseline) // 1024} MiB"
    )
    return result
