"""Signed one-click unsubscribe tokens: who and which kind, nothing secret, tamper-proof.

A token carries a user id and a notification kind, signed with SECRET_KEY (django.core.signing,
salted for this one purpose). It does not expire: an unsubscribe link in an old email must still
work. Changing any character makes the signature fail.
"""

from __future__ import annotations

from django.core import signing

from notifications.models import NotificationKind

SALT = "notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a valid token; None if it was tampered with or is malformed."""
    try:
        value = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or value[1] not in NotificationKind.values
    ):
        return None
    return value[0], value[1]
