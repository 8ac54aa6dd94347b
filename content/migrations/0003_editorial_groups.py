"""The advice library's editorial groups and its review workflow.

"Advice editors" write advice and submit it for review; "Advice reviewers" approve it (which
publishes it) or reject it with a comment. The "Advice review" workflow, assigned to the home page
and so to every page beneath it, sends each submission to the reviewers. Neither group has
anything outside the advice library: no Django admin, no accounts, no member data (those are
decided by role in portal.accounts.permissions, never by group).

People are put in a group by their role (portal.accounts.auth.ROLE_GROUPS), never by hand.
Wagtail's starter groups ("Editors", "Moderators") and their workflow are taken away while nobody
is in them, so the only groups on offer are these two.

``editorial_setup`` is safe to run again: the tests run it after live-server tests have emptied
every table (tests/content/editorial.py).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Advice editors"  # portal.accounts.auth.ADVICE_EDITORS_GROUP
REVIEWERS = "Advice reviewers"  # portal.accounts.auth.ADVICE_REVIEWERS_GROUP
WORKFLOW = "Advice review"
TASK = "Approval by an advice reviewer"

SNIPPETS = ("helpline", "topic", "need")
# Images and documents: upload and choose them; editing or deleting someone else's is not needed.
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
)
# Draft and change pages anywhere under the home page; only reviewers publish.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
# Helplines, topics and needs: editors add and correct them; reviewers also remove them.
EDITOR_SNIPPET_ACTIONS = ("add", "change")
REVIEWER_SNIPPET_ACTIONS = ("add", "change", "delete")

WAGTAIL_STARTER_GROUPS = ("Editors", "Moderators")
WAGTAIL_STARTER_WORKFLOW = "Moderators approval"
EDITOR_ROLE = "editor"
REVIEWER_ROLE = "reviewer"


def _permissions_create(apps):
    """Permissions are made after all migrations have run; these are needed before then."""
    for label in ("content", "wagtailcore", "wagtailimages", "wagtaildocs"):
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        # A migration's app registry has no models module; create_permissions would skip it.
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    # Wagtail makes this one in its own first migration only, as this does.
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )


def _permission(apps, app_label, codename):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _group(apps, *, name, page_permissions, snippet_actions, home, collection):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(
        [_permission(apps, "wagtailadmin", "access_admin")]
        + [_permission(apps, "content", f"{action}_{model}") for model in SNIPPETS for action in snippet_actions]
    )
    GroupPagePermission.objects.filter(group=group).delete()
    if home is not None:
        for codename in page_permissions:
            GroupPagePermission.objects.create(
                group=group, page=home, permission=_permission(apps, "wagtailcore", codename)
            )
    GroupCollectionPermission.objects.filter(group=group).delete()
    if collection is not None:
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.create(
                group=group, collection=collection, permission=_permission(apps, app_label, codename)
            )
    return group


def _workflow(apps, *, reviewers, home):
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
    task.groups.set([reviewers])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if home is not None:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})


def _wagtail_starter_groups_remove(apps):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    Group.objects.filter(name__in=WAGTAIL_STARTER_GROUPS, user__isnull=True).delete()
    starter = Workflow.objects.filter(name=WAGTAIL_STARTER_WORKFLOW, active=True).first()
    if starter is not None and not starter.workflow_states.exists():
        WorkflowPage.objects.filter(workflow=starter).delete()
        starter.active = False
        starter.save(update_fields=["active"])


def editorial_setup(apps, schema_editor):
    _permissions_create(apps)
    Site = apps.get_model("wagtailcore", "Site")
    Collection = apps.get_model("wagtailcore", "Collection")
    User = apps.get_model("accounts", "User")

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page if site else None
    collection = Collection.objects.filter(depth=1).first()
    editors = _group(
        apps,
        name=EDITORS,
        page_permissions=EDITOR_PAGE_PERMISSIONS,
        snippet_actions=EDITOR_SNIPPET_ACTIONS,
        home=home,
        collection=collection,
    )
    reviewers = _group(
        apps,
        name=REVIEWERS,
        page_permissions=REVIEWER_PAGE_PERMISSIONS,
        snippet_actions=REVIEWER_SNIPPET_ACTIONS,
        home=home,
        collection=collection,
    )
    _workflow(apps, reviewers=reviewers, home=home)
    _wagtail_starter_groups_remove(apps)
    # Editors who already have the role (portal.accounts.services.staff.role_groups_sync does it
    # for everyone made or changed from now on).
    editors.user_set.add(*User.objects.filter(role=EDITOR_ROLE))
    reviewers.user_set.add(*User.objects.filter(role=REVIEWER_ROLE))


def editorial_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    Workflow.objects.filter(name=WORKFLOW).delete()
    GroupApprovalTask.objects.filter(name=TASK).delete()
    Group.objects.filter(name__in=(EDITORS, REVIEWERS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_home_page"),
        ("accounts", "0007_reviewer_role"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(editorial_setup, editorial_remove)]
