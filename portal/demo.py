"""Demo data: each app registers in its own ``demo.py`` how it fills the demo site, and
``seed_demo`` calls them all, so no app imports another to seed it."""

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.module_loading import autodiscover_modules

from portal.accounts.models import User

SiteSeeder = Callable[[], Any]
MemberSeeder = Callable[..., Any]

_site_seeders: list[SiteSeeder] = []
_member_seeders: list[MemberSeeder] = []


def site_demo_data(seeder: SiteSeeder) -> SiteSeeder:
    """Register ``seeder()``, called once by seed_demo (pages, directories: nothing personal).

    Use it as a decorator in ``<app>/demo.py``; seeders must be safe to run again.
    """
    if seeder not in _site_seeders:
        _site_seeders.append(seeder)
    return seeder


def member_demo_data(seeder: MemberSeeder) -> MemberSeeder:
    """Register ``seeder(member=user)``, called by seed_demo for each demo member.

    Use it as a decorator in ``<app>/demo.py``; seeders must be safe to run again.
    """
    if seeder not in _member_seeders:
        _member_seeders.append(seeder)
    return seeder


def demo_seeders() -> tuple[tuple[SiteSeeder, ...], tuple[MemberSeeder, ...]]:
    """Every registered seeder, site ones then member ones, in the order of INSTALLED_APPS."""
    # Importing each installed app's demo module runs its registrations (as the admin's autodiscover).
    autodiscover_modules("demo")
    return tuple(_site_seeders), tuple(_member_seeders)


def demo_data_create(*, members: Iterable[User]) -> None:
    """Run every app's demo seeding: the site's once, then each member's."""
    site_seeders, member_seeders = demo_seeders()
    for seeder in site_seeders:
        seeder()
    for member in members:
        for seeder in member_seeders:
            seeder(member=member)
