"""Background work for the diary: building evidence bundles."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from .export import bundle_build
from .models import ExportRequest, ExportStatus
from .services import export_store

EXPORT_LINK_LIFETIME = timedelta(hours=24)


@task
def export_build(export_id: str) -> None:
    """Build a requested bundle and keep it, encrypted, for a day."""
    export = ExportRequest.objects.get(pk=export_id)
    export.status = ExportStatus.RUNNING
    export.save(update_fields=["status"])
    try:
        path = bundle_build(member=export.member, start=export.start, end=export.end)
        try:
            export_store(export=export, path=path, expires_at=timezone.now() + EXPORT_LINK_LIFETIME)
        finally:
            path.unlink(missing_ok=True)
    except Exception:
        # The member sees "could not be made" and can ask again; nothing half-made is kept.
        ExportRequest.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        raise
