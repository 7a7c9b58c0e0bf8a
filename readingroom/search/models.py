from django.db import models


class IndexQueue(models.Model):
    """A pending index operation, written in the same transaction as the record change it follows."""

    identifier = models.CharField(max_length=200, db_index=True)
    action = models.CharField(max_length=10, default="index")  # "index" | "delete"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.identifier}"
