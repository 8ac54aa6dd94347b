"""The member's sharing pages: the support workers they are linked with, what each can see, and
who has seen their records.

Sharing more needs a recent reauthentication (someone holding the member's phone must not share
their records with a worker of their choosing); stopping a share or unlinking never does, as it
can only narrow who sees what. Every change is an account event the member can see.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diary.selectors import local_when
from portal.accounts.decorators import reauthentication_required

from . import selectors, services, trail
from .errors import CaseworkError
from .forms import DisplayNameForm, ReferralForm, ShareForm
from .models import ShareGrant
from .permissions import link_for_member, member_required

# A neutral word for the tab: it says nothing of what is shared, or with whom.
SECTION = "Support"
TRAIL_PAGE_SIZE = 50


def _posted(request):
    """The form's data on a POST (even an empty one, which must be checked), None on a GET."""
    return request.POST if request.method == "POST" else None


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"casework/{template}", {"section": SECTION, **context}, status=status)


@member_required
@require_GET
def sharing(request):
    links = list(selectors.links_of_member(member=request.user))
    accepted = [(link, selectors.shared_in_words(link)) for link in links if link.accepted_at]
    requests = [link for link in links if not link.accepted_at]
    return _render(request, "sharing.html", {"links": accepted, "requests": requests})


@member_required
@require_http_methods(["GET", "POST"])
def code_enter(request):
    form = ReferralForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_by_referral(
                member=request.user, code=form.cleaned_data["code"], display_name=form.cleaned_data["display_name"]
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"You are linked with {link.worker.email}. They cannot see anything yet.")
            return redirect("casework:sharing")
    return _render(request, "code_enter.html", {"form": form}, status=400 if form.errors else 200)


def _entry_choices(member) -> list[tuple[str, str]]:
    # When it happened and the kinds of behaviour ticked: read from plain columns, so offering a
    # long diary decrypts nothing.
    return [
        (str(entry.pk), " · ".join([local_when(entry.occurred_at), *selectors.behaviour_labels(entry)]))
        for entry in selectors.entries_shareable(member=member).only("id", "occurred_at", "behaviours")
    ]


@member_required
@require_http_methods(["GET", "POST"])
def share(request, link_id):
    # Someone else's link is a 404 before anyone is asked for their password.
    link = link_for_member(request.user, link_id)
    return _share(request, link=link)


@reauthentication_required
def _share(request, *, link):
    form = ShareForm(_posted(request), entry_choices=_entry_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.grants_create(
                member=request.user,
                link=link,
                diary=form.cleaned_data["diary"],
                plan=form.cleaned_data["plan"],
                entry_ids=form.cleaned_data["entries"],
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Shared with {link.worker.email}. You can stop sharing at any time.")
            return redirect("casework:sharing")
    already = {grant.entry_id for grant in link.grants.all() if grant.entry_id}
    context = {"link": link, "form": form, "already_shared": {str(pk) for pk in already}}
    return _render(request, "share.html", context, status=400 if form.errors else 200)


@member_required
@require_http_methods(["GET", "POST"])
def accept(request, link_id):
    """A coordinator asked to link the member with a worker: the member says yes, and chooses
    the name the worker sees. Nothing is shared until they choose that too."""
    link = link_for_member(request.user, link_id)
    if link.accepted_at is not None:
        return redirect("casework:sharing")
    form = DisplayNameForm(_posted(request), initial={"display_name": link.display_name})
    if request.method == "POST" and form.is_valid():
        services.link_accept(member=request.user, link=link, display_name=form.cleaned_data["display_name"])
        messages.success(request, f"You are linked with {link.worker.email}. They cannot see anything yet.")
        return redirect("casework:sharing")
    return _render(request, "accept.html", {"link": link, "form": form}, status=400 if form.errors else 200)


@member_required
@require_POST
def decline(request, link_id):
    link = link_for_member(request.user, link_id)
    if link.accepted_at is None:
        services.link_end(member=request.user, link=link)
        messages.success(request, "Declined. They have not been told anything about you.")
    return redirect("casework:sharing")


@member_required
@require_POST
def grant_revoke(request, link_id, grant_id):
    link = link_for_member(request.user, link_id)
    grant = ShareGrant.objects.filter(pk=grant_id, link=link).first()
    if grant is None:
        messages.info(request, "That was already not shared.")
    else:
        services.grant_revoke(member=request.user, grant=grant)
        messages.success(request, f"Stopped. {link.worker.email} can no longer see it.")
    return redirect("casework:sharing")


@member_required
@require_http_methods(["GET", "POST"])
def rename(request, link_id):
    link = link_for_member(request.user, link_id)
    form = DisplayNameForm(_posted(request), initial={"display_name": link.display_name})
    if request.method == "POST" and form.is_valid():
        services.link_rename(link=link, display_name=form.cleaned_data["display_name"])
        messages.success(request, "Saved. This is the name they will see.")
        return redirect("casework:sharing")
    return _render(request, "rename.html", {"link": link, "form": form}, status=400 if form.errors else 200)


@member_required
@require_http_methods(["GET", "POST"])
def unlink(request, link_id):
    link = link_for_member(request.user, link_id)
    if request.method == "POST":
        services.link_end(member=request.user, link=link)
        messages.success(request, f"Unlinked. {link.worker.email} can no longer see anything of yours.")
        return redirect("casework:sharing")
    return _render(request, "unlink.html", {"link": link})


@member_required
@require_GET
def seen(request):
    page = Paginator(trail.access_for_member(member=request.user), TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "seen.html", {"page": page})
