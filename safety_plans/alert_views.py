"""The pages for trusted contacts and for sending them the member's message (an alert).

Every page is the member's own: ``permissions.plan_member_required`` sends anonymous visitors to
sign in and tells anyone else the page does not exist. Adding or changing a contact, and
changing the message they are sent, need a recent reauthentication (who is texted, at which
number and with what words is a change of control); removing a contact never does. Names,
numbers and the message never go in a title or an address.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts.decorators import reauthentication_required
from portal.security import location_allowed

from . import contacts, services
from .contact_forms import AlertForm, AlertMessageForm, ContactForm
from .errors import PlanError, PlanUnchanged
from .models import DeliveryStatus
from .permissions import plan_member_required

SECTION = "Steps"


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"safety_plans/{template}", {"section": SECTION, **context}, status=status)


def _own_contact(request, contact_id):
    contact = contacts.contact_for_owner(member=request.user, contact_id=contact_id)
    if contact is None:
        raise Http404
    return contact


# --- Contacts ------------------------------------------------------------------------------


@plan_member_required
@require_GET
def contact_list(request):
    people = list(contacts.contacts_active(member=request.user))
    return _render(
        request,
        "contacts.html",
        {"people": [(person, contacts.phone_display(person.phone)) for person in people]},
    )


@plan_member_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def contact_add(request):
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_add(member=request.user, data=form.contact_data())
        except contacts.ContactError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Added to your people.")
            return redirect("safety_plans:contacts")
    return _render(request, "contacts_form.html", {"form": form, "editing": None}, status=400 if form.errors else 200)


@plan_member_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_id):
    contact = _own_contact(request, contact_id)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_from(contact))
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_edit(contact=contact, data=form.contact_data())
        except contacts.ContactError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("safety_plans:contacts")
    status = 400 if form.errors else 200
    return _render(request, "contacts_form.html", {"form": form, "editing": contact}, status=status)


@plan_member_required
@require_http_methods(["GET", "POST"])
def contact_remove(request, contact_id):
    contact = _own_contact(request, contact_id)
    if request.method == "GET":
        return _render(request, "contacts_remove.html", {"contact": contact})
    contacts.contact_remove(contact=contact)
    messages.success(request, "Removed. They will not be sent your message.")
    return redirect("safety_plans:contacts")


# --- The message ---------------------------------------------------------------------------


@plan_member_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def alert_message(request):
    """Write the message in advance; it is kept in the plan, as a new version. A change of
    control: someone holding the phone must not rewrite what the member's contacts are told."""
    current = contacts.alert_message(member=request.user)
    form = AlertMessageForm(request.POST or None, initial={"message": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_alert_message_save(member=request.user, message=form.cleaned_data["message"])
        except PlanUnchanged:
            messages.info(request, "Your message is unchanged.")
            return redirect("safety_plans:alert")
        except PlanError as error:
            form.add_error("message", str(error))
        else:
            messages.success(request, "Your message is saved.")
            return redirect("safety_plans:alert")
    context = {"form": form, "default": contacts.DEFAULT_ALERT_MESSAGE}
    return _render(request, "alert_message.html", context, status=400 if form.errors else 200)


# --- Sending -------------------------------------------------------------------------------


def _alert_form(request, people, data=None) -> AlertForm:
    return AlertForm(data, choices=[(str(person.pk), person.name) for person in people])


@plan_member_required
@require_http_methods(["GET", "POST"])
def alert_confirm(request):
    """The second tap: who will receive it, the message, "add my location", and "Send now"."""
    people = contacts.contacts_for_alert(member=request.user)
    form = _alert_form(request, people, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            alert = contacts.alert_send(
                member=request.user,
                request_key=form.cleaned_data["request_key"],
                contact_ids=form.cleaned_data["people"],
                location=form.location(),
            )
        except contacts.AlertAlreadySent as error:
            messages.info(request, str(error))
            return redirect("safety_plans:alert_status", alert_id=error.alert.pk)
        except contacts.AlertTooSoon as error:
            messages.info(request, str(error))
            latest = contacts.alert_latest(member=request.user)
            return redirect("safety_plans:alert_status", alert_id=latest.pk) if latest else redirect("home")
        except contacts.ContactError as error:
            form = _alert_form(request, people)  # a new key: nothing was sent with the old one
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your message is on its way.")
            return redirect("safety_plans:alert_status", alert_id=alert.pk)
    context = {
        "form": form,
        "people": people,
        "message": contacts.alert_message(member=request.user),
        "is_default": contacts.alert_message(member=request.user) == contacts.DEFAULT_ALERT_MESSAGE,
    }
    return location_allowed(_render(request, "alert.html", context, status=400 if form.errors else 200))


@plan_member_required
@require_GET
def alert_status(request, alert_id):
    alert = contacts.alert_for_owner(member=request.user, alert_id=alert_id)
    if alert is None:
        raise Http404
    deliveries = contacts.alert_deliveries(alert=alert)
    waiting = any(d.status in (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING) for d in deliveries)
    return _render(request, "alert_status.html", {"alert": alert, "deliveries": deliveries, "waiting": waiting})


@plan_member_required
@require_GET
def alert_log(request):
    return _render(request, "alerts.html", {"alerts": contacts.alerts_log(member=request.user)})
