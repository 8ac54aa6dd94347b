"""Background work for casework: the content-free notice to a support worker that there is an
update for them. It carries only the link's id, and says nothing about who or what."""

import logging

from django.tasks import task

from portal import sms
from portal.accounts.mail import account_mail_send, portal_url
from portal.accounts.models import PhoneDevice

from .models import Link, NoticeChoice

logger = logging.getLogger(__name__)

# The whole of the text: no name, no member, nothing about what changed.
UPDATE_TEXT = "There is an update for you in the portal."


@task
def update_notice_send(link_id: str) -> None:
    """Tell the worker, the ways they chose (email unless they said otherwise), that there is
    an update. A notice that cannot be sent is logged by account id only and not retried: the
    update itself is safe in the portal, and the next one an hour on will try again."""
    link = Link.objects.select_related("worker").filter(pk=link_id).first()
    if link is None or not link.worker.is_active:
        return  # unlinked or closed meanwhile
    worker = link.worker
    choice = NoticeChoice.objects.filter(worker=worker).first() or NoticeChoice(worker=worker)
    if choice.by_email:
        try:
            context = {"caseload_url": portal_url("casework:caseload"), "notices_url": portal_url("casework:notices")}
            account_mail_send("casework/email/update", worker.email, context)
        except Exception as error:
            logger.warning("An update notice for account %s was not emailed: %s", worker.pk, type(error).__name__)
    if choice.by_text:
        device = PhoneDevice.objects.filter(user=worker, confirmed=True).select_related("phone_number").first()
        if device is None:
            return
        try:
            sms.sms_send(to=device.number, body=UPDATE_TEXT)
        except sms.SmsError as error:
            logger.warning("An update notice for account %s was not texted: %s", worker.pk, type(error).__name__)
