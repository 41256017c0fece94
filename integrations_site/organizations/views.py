import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from integrations_site.audit.actions import label
from integrations_site.audit.models import AuditEvent
from integrations_site.audit.pages import keyset_page

from . import messages as texts
from . import services
from .access import SESSION_KEY, membership_required
from .forms import ActivityFilterForm, MemberAddForm, MemberRoleForm
from .models import Membership, Organization

MEMBERS_TEMPLATE = "organizations/members.html"
ACTIVITY_TEMPLATE = "organizations/activity.html"


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        wanted = uuid.UUID(request.POST.get("organization", ""))
    except ValueError:
        raise Http404("No such organization.") from None
    organization = get_object_or_404(Organization.objects.for_user(request.user), pk=wanted)
    request.session[SESSION_KEY] = str(organization.pk)
    messages.info(request, f"Switched to {organization.name}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "integrations:list"
    return redirect(next_url)


# --- members ----------------------------------------------------------------------------------


def _members_context(request: HttpRequest, **extra) -> dict:
    organization = request.membership.organization
    return {
        "organization": organization,
        "memberships": Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username"),
        "add_form": MemberAddForm(),
        "roles": Membership.Role.choices,
        **extra,
    }


def _member(request: HttpRequest, user_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        organization=request.membership.organization,
        user_id=user_id,
    )


@require_GET
@membership_required(admin=True)
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, MEMBERS_TEMPLATE, _members_context(request))


@require_POST
@membership_required(admin=True)
def member_add(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            user = services.member_user_find(form.cleaned_data["user"])
            role = form.cleaned_data["role"]
            services.member_add(organization=request.membership.organization, user=user, role=role)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, texts.added(user.get_username(), role))
            return redirect("organizations:members")
    return render(request, MEMBERS_TEMPLATE, _members_context(request, add_form=form), status=422)


@require_POST
@membership_required(admin=True)
def member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = _member(request, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, texts.BAD_ROLE)
        return redirect("organizations:members")
    try:
        services.member_role_change(membership=membership, role=form.cleaned_data["role"])
    except services.LastAdmin:
        messages.error(request, texts.LAST_ADMIN)
    else:
        messages.success(
            request, texts.role_changed(membership.user.get_username(), form.cleaned_data["role"])
        )
    return redirect("organizations:members")


@require_POST
@membership_required(admin=True)
def member_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = _member(request, user_id)
    try:
        services.member_remove(membership=membership)
    except services.LastAdmin:
        messages.error(request, texts.LAST_ADMIN)
        return redirect("organizations:members")
    messages.success(request, texts.removed(membership.user.get_username()))
    if membership.user_id == request.user.pk:
        return redirect("integrations:list")  # no longer an admin (or a member) here
    return redirect("organizations:members")


# --- activity ---------------------------------------------------------------------------------


@require_GET
@membership_required(admin=True)
def activity(request: HttpRequest) -> HttpResponse:
    """The organization's audit events, newest first; filters and keyset pages are query
    parameters, so every view of it is a link (and works without JavaScript)."""
    form = ActivityFilterForm(request.GET)
    events = AuditEvent.objects.for_organization(request.membership.organization.pk).filtered(
        **form.filters()
    )
    page = keyset_page(
        events,
        size=settings.AUDIT_PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    rows = [(event, label(event.action)) for event in page.events]
    context = {"form": form, "page": page, "rows": rows, "filtered": any(form.filters().values())}
    template = ACTIVITY_TEMPLATE
    if request.htmx and request.htmx.target == "activity-table":
        template += "#activity-table"
    return render(request, template, context)
