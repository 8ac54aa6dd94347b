"""The diary's background work, by the name queued work was given before downloads.py held it.

Tasks already waiting in a queue name ``evidence_log.tasks.export_build``; this keeps them
running. New work is queued as ``evidence_log.downloads.export_build``.
"""

from .downloads import export_build

__all__ = ["export_build"]
