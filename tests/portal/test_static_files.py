"""Production serves /static/ itself (WhiteNoise) from `collectstatic`'s copy: pages link hashed
names, which browsers may keep for good, with compressed copies beside them.

One production process collects the files into a temporary STATIC_ROOT (as the container image
does when it is built); a second serves them, as an app server would.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.portal.support import BASE_DIR, production_env, run_python

SERVE = """
import json, re
import django
django.setup()
from django.template.loader import render_to_string
from django.test import Client
client = Client(headers={"host": "portal.example"})
# Every page extends base.html; the outage page needs no database to render it.
page = render_to_string("503.html", {"SITE_NAME": "Daybook"})
links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
css = next(link for link in links if link.startswith("/static/portal/portal."))
answers = {"links": links}
for name, path, encoding in [
    ("hashed", css, ""),
    ("hashed_br", css, "br"),
    ("hashed_gzip", css, "gzip"),
    ("unhashed", "/static/portal/portal.css", ""),
]:
    response = client.get(path, secure=True, headers={"accept-encoding": encoding} if encoding else {})
    answers[name] = [response.status_code, dict(response.headers)]
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """What a production server answers, after collectstatic, for a page and its static files."""
    tmp_path = tmp_path_factory.mktemp("static")
    env = production_env(tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    base = {"PATH": os.environ["PATH"]}
    # Collecting and compressing every app's files (Wagtail's admin among them) takes a while.
    collected = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    result = run_python(SERVE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_link_static_files_by_hashed_names(served):
    assert served["links"], "the page links no static file"
    for link in served["links"]:
        name = link.rsplit("/", 1)[-1]
        # portal.dc4128b9d5b2.css: the content's hash between the name and its extension.
        assert len(name.split(".")) >= 3, link
        assert len(name.split(".")[-2]) == 12, link


def test_a_hashed_file_is_served_and_kept_for_good(served):
    status, headers = served["hashed"]

    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    max_age = int(headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600
    assert headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize(("answer", "encoding"), [("hashed_br", "br"), ("hashed_gzip", "gzip")])
def test_compressed_copies_go_to_browsers_that_accept_them(served, answer, encoding):
    status, headers = served[answer]

    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in headers["Vary"]


def test_a_name_without_its_hash_is_not_kept_for_long(served):
    # Anyone asking for the plain name gets today's file, and is not told to keep it.
    status, headers = served["unhashed"]

    assert status == 200
    assert "immutable" not in headers["Cache-Control"]
