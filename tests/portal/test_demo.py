"""The demo data registry: apps register their own demo data, seed_demo runs it without knowing them."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from diary.demo import demo_diary_create
from diary.models import Entry
from portal import demo
from portal.accounts.models import User
from portal.management.commands.seed_demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

SEED_DEMO = Path(demo.__file__).parent / "management" / "commands" / "seed_demo.py"
APPS = ("diary", "safety_plans", "content")


@pytest.fixture
def registry(monkeypatch):
    """Empty registries for the test, so it sees only what it registers."""
    monkeypatch.setattr(demo, "_site_seeders", [])
    monkeypatch.setattr(demo, "_member_seeders", [])
    monkeypatch.setattr(demo, "autodiscover_modules", lambda *names: None)


def test_the_diary_registers_its_demo_data_itself():
    site_seeders, member_seeders = demo.demo_seeders()

    assert demo_diary_create in member_seeders


def test_registering_twice_runs_once(registry):
    calls = []

    def seeder(*, member):
        calls.append(member)

    demo.member_demo_data(seeder)
    demo.member_demo_data(seeder)
    demo.demo_data_create(members=["first"])

    assert calls == ["first"]


def test_site_data_once_then_member_data_for_each_member_in_order(registry):
    calls = []
    demo.site_demo_data(lambda: calls.append("site"))
    demo.member_demo_data(lambda *, member: calls.append(("one", member)))
    demo.member_demo_data(lambda *, member: calls.append(("two", member)))

    demo.demo_data_create(members=["a", "b"])

    assert calls == ["site", ("one", "a"), ("two", "a"), ("one", "b"), ("two", "b")]


def test_seed_demo_runs_every_registered_seeder_for_the_demo_members(registry):
    seen = []
    demo.member_demo_data(lambda *, member: seen.append(member.email))

    call_command("seed_demo", password="demo-pass-phrase-2024", stdout=StringIO())

    assert seen == ["member@demo.test", "member2@demo.test"]
    assert not Entry.objects.exists()  # the diary's seeder was not registered in this test
    assert User.objects.count() == len(DEMO_ACCOUNTS)


def test_seed_demo_imports_no_app():
    tree = ast.parse(SEED_DEMO.read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]

    assert not [name for name in imported if name.split(".")[0] in APPS]
