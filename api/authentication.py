"""Signing in to the API: a user's token (`Authorization: Bearer <token>`), or the session
of a signed-in browser. A token acts as its user with the role they have now, so a user who
loses a role loses it through their tokens too."""

import datetime
import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import PREFIX_LENGTH, TOKEN_START, ApiToken, token_digest

KEYWORDS = ("bearer", "token")
# `last_used_at` is written at most this often, so reading pages does not write each time.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def token_row(token: str) -> ApiToken | None:
    """The token's row if `token` is one riskreg issued (revoked or not), else None."""
    if not token.startswith(TOKEN_START):
        return None
    prefix = token[len(TOKEN_START) : len(TOKEN_START) + PREFIX_LENGTH]
    row = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if row is None or not hmac.compare_digest(row.digest, token_digest(token)):
        return None
    return row


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`): a revoked, expired or unknown
    token, or one whose user is deactivated, is refused with 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after 'Bearer ', with no spaces.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not a riskreg API token.") from None
        row = token_row(token)
        if row is None:
            raise exceptions.AuthenticationFailed("That is not a riskreg API token.")
        if row.is_revoked:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if row.is_expired():
            raise exceptions.AuthenticationFailed("This token has expired.")
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed("This token's user is deactivated.")
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="riskreg"'
