"""The API tokens page: a user creates (shown once) and revokes personal tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import ApiToken

TEMPLATE = "api/tokens.html"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, e.g. “laptop SDK” or “CI pipeline”.",
    )
    for_runtime = forms.BooleanField(
        label="Runtime token",
        required=False,
        help_text="May fetch registry pull credentials (e.g. for the kubelet credential "
        "provider) even without the admin role.",
    )


def _context(request: HttpRequest, form: TokenForm, new_token: str | None = None) -> dict:
    return {
        "form": form,
        "tokens": ApiToken.objects.for_user(request.user),
        "new_token": new_token,
    }


@require_GET
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request, TokenForm()))


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, form), status=422)
    _token, raw = services.api_token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        for_runtime=form.cleaned_data["for_runtime"],
    )
    # Rendered once, in this response only; never stored or shown again.
    response = render(request, TEMPLATE, _context(request, TokenForm(), new_token=raw))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk) -> HttpResponse:
    token = ApiToken.objects.for_user(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404("This token does not exist.")
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked. Clients using it get 401 now.")
    return redirect("tokens:list")
