"""A support worker's choice of how they hear that a member has shared or added something: the
notice itself never says who or what (casework.tasks.update_notice_send)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.accounts.selectors import phone_confirmed

from . import services
from .models import NoticeChoice
from .notice_forms import NoticeChoiceForm
from .permissions import caseworker_required

SECTION = "Cases"


@caseworker_required
@require_http_methods(["GET", "POST"])
def notices(request):
    worker = request.user
    phone = phone_confirmed(user=worker)
    # No row yet is the default: by email only.
    choice = NoticeChoice.objects.filter(worker=worker).first() or NoticeChoice(worker=worker)
    initial = {"by_email": choice.by_email, "by_text": choice.by_text}
    form = NoticeChoiceForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        email=worker.email,
        phone_ending=phone.number_ending if phone else None,
    )
    if request.method == "POST" and form.is_valid():
        by_email, by_text = form.cleaned_data["by_email"], form.cleaned_data.get("by_text", False)
        services.notice_choice_save(worker=worker, by_email=by_email, by_text=by_text)
        messages.success(request, "Saved." if by_email or by_text else "Saved. You will not be told about updates.")
        return redirect("casework:notices")
    context = {"section": SECTION, "form": form, "has_phone": phone is not None}
    return render(request, "casework/notices.html", context, status=400 if form.errors else 200)
