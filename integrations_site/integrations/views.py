from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from integrations_site.organizations.access import membership_required
from integrations_site.organizations.scoping import get_object_in_org_or_404
from integrations_site.validation import storable

from . import messages as texts
from . import services
from .forms import KINDS, IntegrationForm
from .models import Integration

LIST_TEMPLATE = "integrations/integration_list.html"
FORM_TEMPLATE = "integrations/integration_form.html"
DELETE_TEMPLATE = "integrations/integration_confirm_delete.html"


def _list_context(request: HttpRequest) -> dict:
    # Characters no database stores (NUL) can match nothing: drop them rather than fail.
    query = "".join(ch for ch in request.GET.get("q", "") if storable(ch)).strip()
    integrations = (
        Integration.objects.for_organization(request.membership.organization)
        .name_contains(query)
        .for_list()
    )
    page = Paginator(integrations, settings.INTEGRATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "page": page,
        "query": query,
        "can_manage": request.membership.is_admin,
        "platform_name": settings.PLATFORM_NAME,
    }


def _integration_type(kind: str) -> str:
    if kind not in KINDS:
        raise Http404(texts.NO_SUCH_KIND)
    return KINDS[kind][0]


def _get_integration(request: HttpRequest, pk) -> Integration:
    return get_object_in_org_or_404(
        Integration.objects.defer("credentials"), request.membership.organization, pk
    )


@require_GET
@membership_required()
def integration_list(request: HttpRequest) -> HttpResponse:
    template = LIST_TEMPLATE
    if request.htmx and request.htmx.target == "integration-table":
        template += "#integration-table"
    return render(request, template, _list_context(request))


@require_GET
@membership_required(admin=True)
def provider_fields(request: HttpRequest, kind: str) -> HttpResponse:
    """The chosen provider's fields, swapped into the create form when Provider changes."""
    form = IntegrationForm(
        organization=request.membership.organization,
        integration_type=_integration_type(kind),
        initial={"provider": request.GET.get("provider", "")},
    )
    return render(request, f"{FORM_TEMPLATE}#provider-fields", {"form": form})


# Every POST field is hidden from error reports: which are secret is the provider's to say,
# and nothing here needs the rest.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@membership_required(admin=True)
def integration_create(request: HttpRequest, kind: str = "registry") -> HttpResponse:
    organization = request.membership.organization
    integration_type = _integration_type(kind)
    if request.method == "POST" and "choose_provider" in request.POST:
        # Without JavaScript, "Choose" re-renders the form for another provider. Secrets
        # typed so far are dropped, never echoed.
        form = IntegrationForm(
            organization=organization,
            integration_type=integration_type,
            initial={
                "name": request.POST.get("name", ""),
                "provider": request.POST.get("provider", ""),
            },
        )
    elif request.method == "POST":
        form = IntegrationForm(
            request.POST,
            request.FILES,
            organization=organization,
            integration_type=integration_type,
        )
        if form.is_valid():
            # A credential failure stops with the reason and a "Create anyway"; a provider
            # that did not answer does not.
            try:
                outcome = services.integration_create_checked(
                    organization=organization,
                    created_by=request.user,
                    name=form.cleaned_data["name"],
                    provider=form.chosen_provider,
                    credentials=form.credentials_form.cleaned_data,
                    repository=form.cleaned_data.get("check_repository", ""),
                    create_on_failure="create_anyway" in request.POST,
                )
            except ValidationError as error:
                form.add_error(None, error)
                outcome = None
            if outcome is not None and outcome.integration is None:
                context = {"form": form, "result": outcome.check, "offer_create_anyway": True}
                if request.htmx:
                    # Only the result area changes: the typed secret stays in its input.
                    response = render(request, f"{FORM_TEMPLATE}#check-result", context)
                    return retarget(reswap(response, "innerHTML"), "#connection-result")
                return render(request, FORM_TEMPLATE, context, status=422)
            if outcome is not None:
                integration = outcome.integration
                messages.success(request, texts.created(integration.name))
                if request.htmx:
                    response = render(
                        request, f"{LIST_TEMPLATE}#integration-table", _list_context(request)
                    )
                    response = retarget(response, "#integration-table")
                    response = reswap(response, "outerHTML")
                    return trigger_client_event(response, "dialog:close")
                return redirect("integrations:list")
    else:
        form = IntegrationForm(
            organization=organization,
            integration_type=integration_type,
            initial={"provider": request.GET.get("provider", "")},
        )
    if request.htmx:
        # htmx swaps the re-rendered dialog in place; errors are in the markup.
        return render(request, f"{FORM_TEMPLATE}#dialog", {"form": form})
    return render(request, FORM_TEMPLATE, {"form": form}, status=422 if form.has_errors else 200)


@sensitive_post_parameters()
@require_POST
@membership_required(admin=True)
def integration_test_connection(request: HttpRequest, kind: str) -> HttpResponse:
    """Run the checks on the entered values without saving anything."""
    form = IntegrationForm(
        request.POST,
        request.FILES,
        organization=request.membership.organization,
        integration_type=_integration_type(kind),
    )
    form.is_valid()  # the name is not needed to test; only the credential fields are
    context: dict = {"form": form, "tested": True}
    if form.credentials_form.is_valid() and "check_repository" not in form.errors:
        context["result"] = form.chosen_provider.check(
            form.credentials_form.cleaned_data,
            repository=form.cleaned_data.get("check_repository", ""),
        )
    if request.htmx:
        return render(request, f"{FORM_TEMPLATE}#check-result", context)
    return render(request, FORM_TEMPLATE, context)


@require_POST
@membership_required(admin=True)
def integration_check_now(request: HttpRequest, pk) -> HttpResponse:
    integration = _get_integration(request, pk)
    services.integration_check(integration=integration)
    if request.htmx:
        context = {**_list_context(request), "integration": integration}
        return render(request, f"{LIST_TEMPLATE}#integration-row", context)
    label = integration.get_status_display()
    if integration.status_reason:
        label += f": {integration.status_reason}"
    messages.info(request, f"Checked “{integration.name}”: {label}")
    return redirect("integrations:list")


@require_http_methods(["GET", "POST"])
@membership_required(admin=True)
def integration_delete(request: HttpRequest, pk) -> HttpResponse:
    integration = _get_integration(request, pk)
    context = {
        "integration": integration,
        "message": texts.DELETE_MESSAGE,
        "registry": integration.registry_host,
        "dependants": services.integration_registry_dependants(integration=integration),
    }
    if request.method == "POST":
        try:
            services.integration_delete(integration=integration)
        except services.IntegrationInUse as error:
            # Refused: say why in the same dialog (or page); nothing was deleted.
            context["refused"] = error.message
            if request.htmx:
                response = render(request, f"{DELETE_TEMPLATE}#dialog", context)
                return retarget(reswap(response, "innerHTML"), "#dialog-content")
            return render(request, DELETE_TEMPLATE, context, status=409)
        messages.success(request, texts.deleted(integration.name))
        if request.htmx:
            remaining = Integration.objects.for_organization(request.membership.organization)
            if remaining.exists():
                # Remove just the row (and show the message) without reloading the page.
                response = render(request, "includes/messages.html#oob-messages")
            else:
                response = render(
                    request, f"{LIST_TEMPLATE}#integration-table", _list_context(request)
                )
                response = retarget(response, "#integration-table")
                response = reswap(response, "outerHTML")
            return trigger_client_event(response, "dialog:close")
        return redirect("integrations:list")
    template = DELETE_TEMPLATE
    if request.htmx:
        template += "#dialog"
    return render(request, template, context)
