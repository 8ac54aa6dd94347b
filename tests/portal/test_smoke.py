from django.urls import reverse


def test_public_pages_render(client, db):
    for name in ("index", "account_login", "account_signup", "using_this_site"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert b"data-quick-exit" in response.content


def test_member_home_after_sign_in(client, member):
    client.force_login(member)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert member.email.encode() in response.content
