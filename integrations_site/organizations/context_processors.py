from django.conf import settings
from django.http import HttpRequest

from .access import current_membership
from .models import Organization


def organizations(request: HttpRequest) -> dict:
    membership = current_membership(request)
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "current_membership": membership,
        "current_organization": membership.organization if membership else None,
        "user_organizations": (
            Organization.objects.for_user(request.user) if membership is not None else []
        ),
    }
