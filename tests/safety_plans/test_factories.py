"""The safety plan factories each build a valid, saved object, owned by one member throughout."""

import pytest

from safety_plans.models import Alert, AlertDelivery, DeliveryStatus, Plan, PlanVersion, TrustedContact
from tests import factories

pytestmark = pytest.mark.django_db


def saved(obj):
    stored = type(obj).objects.get(pk=obj.pk)
    stored.full_clean(validate_unique=False)
    return stored


def test_plan_is_saved_through_its_service_with_a_first_version():
    plan = saved(factories.PlanFactory())

    assert isinstance(plan, Plan)
    assert plan.current.number == 1
    assert plan.current.content["code_word"] == "blue umbrella"


def test_plan_versions_follow_each_other_in_one_plan():
    plan = factories.PlanFactory()

    second = saved(factories.PlanVersionFactory(plan=plan))
    third = saved(factories.PlanVersionFactory(plan=plan))
    alone = saved(factories.PlanVersionFactory())

    assert isinstance(second, PlanVersion)
    assert (second.number, third.number) == (2, 3)
    assert Plan.objects.get(pk=plan.pk).current == third
    assert alone.number == 1 and alone.plan != plan


def test_contact_alert_and_delivery_belong_to_one_member():
    delivery = saved(factories.AlertDeliveryFactory())
    contact = saved(factories.TrustedContactFactory())

    assert isinstance(delivery, AlertDelivery)
    assert isinstance(contact, TrustedContact)
    assert isinstance(delivery.alert, Alert)
    assert delivery.member == delivery.alert.member == delivery.contact.member
    assert delivery.status == DeliveryStatus.QUEUED
    assert contact.phone.startswith("+44")
