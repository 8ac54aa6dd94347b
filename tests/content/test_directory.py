"""The directory lists helplines by area and need; unknown filters show everything."""

from content.models import Area
from tests.content import factories


def listed(client, page, **query) -> str:
    return client.get(page.url, query).content.decode()


def test_filters_by_area_with_uk_wide_services_everywhere(client, db):
    page = factories.directory_page()
    factories.HelplineFactory(name="Whole UK line", area=Area.UK)
    factories.HelplineFactory(name="Welsh line", area=Area.WALES)
    factories.HelplineFactory(name="Scottish line", area=Area.SCOTLAND)

    wales = listed(client, page, area="wales")
    assert "Welsh line" in wales and "Whole UK line" in wales and "Scottish line" not in wales
    everything = listed(client, page)
    assert all(name in everything for name in ("Welsh line", "Whole UK line", "Scottish line"))


def test_a_service_for_england_and_wales_is_listed_under_each(client, db):
    page = factories.directory_page()
    factories.HelplineFactory(name="England and Wales line", area=Area.ENGLAND_AND_WALES)
    factories.HelplineFactory(name="English line", area=Area.ENGLAND)
    factories.HelplineFactory(name="Scottish line", area=Area.SCOTLAND)

    assert "England and Wales line" in listed(client, page, area="wales")
    assert "England and Wales line" in listed(client, page, area="england")
    assert "England and Wales line" not in listed(client, page, area="scotland")
    both = listed(client, page, area="england_and_wales")
    assert "English line" in both and "Scottish line" not in both


def test_filters_by_need(client, db):
    page = factories.directory_page()
    stalking = factories.NeedFactory(name="Stalking", slug="stalking")
    money = factories.NeedFactory(name="Money", slug="money")
    factories.HelplineFactory(name="Stalking line", needs=[stalking])
    factories.HelplineFactory(name="Money line", needs=[money])

    html = listed(client, page, need="stalking")

    assert "Stalking line" in html and "Money line" not in html
    assert '<option value="stalking" selected>' in html


def test_area_and_need_together(client, db):
    page = factories.directory_page()
    stalking = factories.NeedFactory(name="Stalking", slug="stalking")
    factories.HelplineFactory(name="Scottish stalking line", area=Area.SCOTLAND, needs=[stalking])
    factories.HelplineFactory(name="Welsh stalking line", area=Area.WALES, needs=[stalking])
    factories.HelplineFactory(name="Scottish other line", area=Area.SCOTLAND)

    html = listed(client, page, area="scotland", need="stalking")

    assert "Scottish stalking line" in html
    assert "Welsh stalking line" not in html and "Scottish other line" not in html


def test_an_unknown_filter_shows_everything_not_an_error(client, db):
    page = factories.directory_page()
    factories.HelplineFactory(name="Some line", area=Area.WALES)

    response = client.get(page.url, {"area": "atlantis", "need": "<script>"})

    assert response.status_code == 200 and "Some line" in response.content.decode()


def test_each_filter_is_cached_apart(client, db):
    page = factories.directory_page()
    factories.HelplineFactory(name="Welsh line", area=Area.WALES)
    factories.HelplineFactory(name="Scottish line", area=Area.SCOTLAND)

    assert "Scottish line" not in listed(client, page, area="wales")
    assert "Welsh line" not in listed(client, page, area="scotland")
    assert "Scottish line" not in listed(client, page, area="wales")


def test_a_corrected_number_shows_at_once(client, db):
    page = factories.directory_page()
    line = factories.HelplineFactory(name="A line", phone="0800 111 1111", is_emergency=True)
    assert "0800 111 1111" in listed(client, page)
    assert "0800 111 1111" in client.get("/").content.decode()

    line.phone = "0800 222 2222"
    line.save(update_fields=["phone"])

    assert "0800 222 2222" in listed(client, page)
    assert "0800 222 2222" in client.get("/").content.decode()


def test_the_emergency_numbers_on_the_help_page_come_from_the_directory(client, db):
    factories.HelplineFactory(name="Samaritans", phone="116 123", is_emergency=True)

    html = client.get("/help/using-this-site/").content.decode()

    assert "Samaritans" in html and 'href="tel:116123"' in html


def test_with_no_numbers_entered_999_is_still_shown(client, db):
    html = client.get("/help/using-this-site/").content.decode()

    assert 'href="tel:999"' in html and "press 55" in html


def test_a_members_home_shows_the_emergency_numbers(client, member):
    factories.HelplineFactory(name="National Stalking Helpline", phone="0808 802 0300", is_emergency=True)
    client.force_login(member)
    member.before_you_start_seen_at = member.date_joined
    member.save(update_fields=["before_you_start_seen_at"])

    html = client.get("/home/").content.decode()

    assert "National Stalking Helpline" in html
