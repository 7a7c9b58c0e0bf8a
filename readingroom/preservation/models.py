from django.db import models


class PreservationEvent(models.Model):
    """A PREMIS-like event: what was done (``fixity check``, ``ingestion``, ``replication``), to what,
    when, by which agent, with which outcome."""

    event_type = models.CharField(max_length=40, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    agent = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10, help_text="pass or fail")
    object_id = models.CharField(
        max_length=300, blank=True, default="", help_text="a file's SHA-256, or empty for a run"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event_type} {self.outcome} {self.object_id}"
