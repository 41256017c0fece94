"""Sign-ins, failed sign-ins and lockouts, recorded in the site-wide chain. These receivers
only record: django-axes does the counting and the refusing."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .context import Actor
from .services import FAILURE, record


def _username(credentials: dict | None) -> str:
    # Only the username: Django has cleansed the password, but no other field is kept either.
    return str((credentials or {}).get("username", ""))[:150]


@receiver(user_logged_in, dispatch_uid="audit_login")
def login_recorded(sender, request, user, **kwargs) -> None:
    actor = Actor(kind="user", id=str(user.pk), name=user.get_username())
    record(
        action="login",
        actor=actor,
        target_type="user",
        target_id=user.pk,
        target_name=user.get_username(),
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def login_failure_recorded(sender, credentials=None, request=None, **kwargs) -> None:
    username = _username(credentials)
    record(
        action="login",
        outcome=FAILURE,
        actor=Actor(kind="anonymous", name=username),
        target_type="user",
        target_name=username,
    )


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def lockout_recorded(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    record(
        action="login.lockout",
        outcome=FAILURE,
        actor=Actor(kind="anonymous", name=str(username or "")[:150]),
        target_type="user",
        target_name=str(username or "")[:150],
    )
