import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import SESSION_KEY
from .models import Organization


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
