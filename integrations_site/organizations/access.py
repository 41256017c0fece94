"""Who may see what: the signed-in user's current organization and role.

The current organization is kept in the session; when it is missing or no longer one of the
user's, the user's first organization (by name) is used. Views never take an organization id
from the URL for the web UI, so another organization's objects are simply not found (404)."""

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Membership

SESSION_KEY = "current_organization_id"
_CACHE_ATTR = "_current_membership"

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def current_membership(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, _CACHE_ATTR):
        memberships = Membership.objects.filter(user=request.user).select_related("organization")
        membership = None
        wanted = request.session.get(SESSION_KEY)
        if wanted:
            membership = memberships.filter(organization_id=wanted).first()
        if membership is None:
            membership = memberships.order_by("organization__name").first()
        setattr(request, _CACHE_ATTR, membership)
    return getattr(request, _CACHE_ATTR)


def membership_required(*, admin: bool = False) -> Callable[[View[P]], View[P]]:
    """Require a signed-in member of an organization (and its admin role when `admin`).

    The view finds the membership as `request.membership`."""

    def decorator(view: View[P]) -> View[P]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            membership = current_membership(request)
            if membership is None:
                return render(request, "organizations/no_organization.html", status=403)
            if admin and not membership.is_admin:
                raise PermissionDenied("Only organization admins can do this.")
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


ORGANIZATION_NOT_FOUND = "Organization not found."
ADMINS_ONLY = "Only organization admins can make changes here."


def membership_in(user, org_id, *, admin: bool = False) -> Membership:
    """The caller's membership in organization `org_id` (API calls name it in the URL).

    Not a member: Http404, so another organization looks like no organization; a member
    where `admin` is needed: PermissionDenied. The API answers both in its error shape."""
    membership = (
        Membership.objects.filter(user=user, organization_id=org_id)
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise Http404(ORGANIZATION_NOT_FOUND)
    if admin and not membership.is_admin:
        raise PermissionDenied(ADMINS_ONLY)
    return membership
