from django.db import models


class LoginFailure(models.Model):
    """A failed login, kept for the rate limit (see ``backends``)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=100, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S}"
