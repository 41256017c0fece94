"""The API tokens page: a user's personal tokens, and (for organization admins) the current
organization's runtime tokens. A new token is shown once, in the response that made it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_site.organizations.access import current_membership, membership_required
from integrations_site.validation import clean_name as validate_name

from . import services
from .models import ApiToken

TEMPLATE = "api/tokens.html"
CONFIRM_TEMPLATE = "api/token_confirm_revoke.html"
REVOKE_MESSAGE = (
    "Clients using this token get 401 from now on. A revoked token cannot be restored: "
    "create a new one if it is still needed."
)
# Every token expires: the platform's SDK reads the expiry before each request.
EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("730", "2 years")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, e.g. “laptop SDK” or “CI pipeline”.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="365",
        help_text="Tokens are JWTs that carry their expiry; revoking one ends it sooner.",
    )

    def clean_name(self) -> str:
        return validate_name(self.cleaned_data["name"], max_length=100)


def _context(request: HttpRequest, **extra) -> dict:
    membership = current_membership(request)
    is_admin = membership is not None and membership.is_admin
    context = {
        "form": TokenForm(),
        "runtime_form": TokenForm(prefix="runtime") if is_admin else None,
        "tokens": ApiToken.objects.for_user(request.user),
        "runtime_tokens": (
            ApiToken.objects.runtime_of(membership.organization).select_related("created_by")
            if is_admin
            else None
        ),
        "organization": membership.organization if membership else None,
    }
    context.update(extra)
    return context


def _shown_once(request: HttpRequest, raw: str, **extra) -> HttpResponse:
    response = render(request, TEMPLATE, _context(request, new_token=raw, **extra))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, form=form), status=422)
    _token, raw = services.api_token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        expires_in_days=form.cleaned_data["expires_in_days"],
    )
    return _shown_once(request, raw)


@require_POST
@membership_required(admin=True)
def runtime_token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST, prefix="runtime")
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, runtime_form=form), status=422)
    _token, raw = services.runtime_token_create(
        organization=request.membership.organization,
        created_by=request.user,
        name=form.cleaned_data["name"],
        expires_in_days=form.cleaned_data["expires_in_days"],
    )
    return _shown_once(request, raw, new_token_is_runtime=True)


def _confirm_revoke(request: HttpRequest, token: ApiToken, action: str) -> HttpResponse:
    """GET asks first: the dialog's content for htmx, a page of its own without JavaScript."""
    context = {"token": token, "action": action, "message": REVOKE_MESSAGE}
    template = f"{CONFIRM_TEMPLATE}#dialog" if request.htmx else CONFIRM_TEMPLATE
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def token_revoke(request: HttpRequest, pk) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    if request.method == "GET":
        return _confirm_revoke(request, token, request.path)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked. Clients using it get 401 now.")
    return redirect("tokens:list")


@require_http_methods(["GET", "POST"])
@membership_required(admin=True)
def runtime_token_revoke(request: HttpRequest, pk) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.runtime_of(request.membership.organization), pk=pk)
    if request.method == "GET":
        return _confirm_revoke(request, token, request.path)
    services.api_token_revoke(token=token)
    messages.success(
        request, f"Runtime token “{token.name}” revoked. Clients using it get 401 now."
    )
    return redirect("tokens:list")
