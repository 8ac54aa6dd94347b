"""The fast subset of `make reliability`'s uploads, against gunicorn on PostgreSQL: disguised
types, real polyglots (a JPEG that is also a web page, a JPEG or PNG that is also a ZIP), a
decompression bomb, an empty file and a thousand files in one form are each refused with a
message that says why, and store nothing; a photo and a motion photo are kept. (The two 50 MB
uploads at 4 MB/s run in `make reliability` only.)"""

from reliability import uploads
from tests.reliability.support import explained, needs_postgresql

pytestmark = needs_postgresql()


def test_every_refused_upload_says_why_and_stores_nothing():
    result = uploads.run(quick=True)

    assert result.passed, explained(result)
    accepted = sum(1 for case in uploads.CASES if case[4])
    assert result.numbers["entries stored"] == accepted == 2
    assert result.numbers["files stored"] == accepted
