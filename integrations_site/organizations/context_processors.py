from django.conf import settings
from django.http import HttpRequest

from .access import current_membership
from .models import Organization


def organizations(request: HttpRequest) -> dict:
    # Error pages can render before authentication ran (e.g. a 400 for a bad Host header):
    # then there is no user to ask about.
    membership = current_membership(request) if hasattr(request, "user") else None
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "current_membership": membership,
        "current_organization": membership.organization if membership else None,
        "user_organizations": (
            Organization.objects.for_user(request.user) if membership is not None else []
        ),
    }
