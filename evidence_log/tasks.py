"""Background work for the diary: building evidence bundles."""

from django.tasks import task

from .services import export_make


@task
def export_build(export_id: str) -> None:
    """Build a requested bundle and keep it, encrypted, for a day."""
    export_make(export_id=export_id)
