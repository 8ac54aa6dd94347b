"""A file's details on its entry's page read as one plain line: "(154 bytes, added Saturday
1 March 2025, 21:30)", with no stray spaces inside the brackets."""

import re

from django.urls import reverse
from django.utils.html import strip_tags

from tests.diary.helpers import record
from tests.factories import png_upload


def test_file_details_have_no_stray_spaces(client, member):
    upload = png_upload("gate.png")
    size = upload.size
    entry = record(member, uploads=[upload])
    client.force_login(member)

    page = client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})).content.decode()

    item = re.search(r'<ul class="attachment-list">\s*<li>(.*?)<br>', page, re.S).group(1)
    line = re.sub(r"[ \t\n]+", " ", strip_tags(item)).strip()  # not \s: the size has a no-break space
    assert re.fullmatch(rf"gate\.png \({size}\xa0bytes, added \w+day \d{{1,2}} \w+ \d{{4}}, \d\d:\d\d\)", line), line
