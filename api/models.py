import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# A token reads "rr_" + its prefix + "_" + the secret. The prefix is stored and shown (so a
# user can tell their tokens apart and riskreg can find the row); the whole token is stored
# only as its SHA-256 digest, so a copy of the database gives no working token.
TOKEN_START = "rr_"
PREFIX_LENGTH = 8


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's token for the read-only API: it acts as its user, with their current role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text='What it is for, e.g. "Power BI report".')
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_on = models.DateField(
        "expiry date", null=True, blank=True, help_text="The last day the token works."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str, expires_on: datetime.date | None = None):
        """A new token for `user`: the row, and the token itself, which is never stored."""
        while True:
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
            if not cls.objects.filter(prefix=prefix).exists():
                break
        token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        row = cls.objects.create(
            user=user, name=name, prefix=prefix, digest=token_digest(token), expires_on=expires_on
        )
        return row, token

    @property
    def shown_prefix(self) -> str:
        return f"{TOKEN_START}{self.prefix}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, today: datetime.date | None = None) -> bool:
        return self.expires_on is not None and (today or timezone.localdate()) > self.expires_on

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired()

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "Revoked"
        return "Expired" if self.is_expired() else "Active"

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
