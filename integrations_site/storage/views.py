from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget, trigger_client_event

from integrations_site.integrations.models import Integration, IntegrationType
from integrations_site.organizations.access import membership_required
from integrations_site.organizations.scoping import get_object_in_org_or_404

from . import messages as texts
from . import services
from .forms import StorageDriverForm
from .models import StorageDriver

LIST_TEMPLATE = "storage/driver_list.html"
FORM_TEMPLATE = "storage/driver_form.html"
DELETE_TEMPLATE = "storage/driver_confirm_delete.html"


def _list_context(request: HttpRequest) -> dict:
    organization = request.membership.organization
    drivers = StorageDriver.objects.for_organization(organization).for_list()
    page = Paginator(drivers, settings.INTEGRATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "can_manage": request.membership.is_admin,
        "has_storage_integrations": Integration.objects.for_organization(organization)
        .filter(type=IntegrationType.S3)
        .exists(),
    }


def _get_driver(request: HttpRequest, pk) -> StorageDriver:
    return get_object_in_org_or_404(
        StorageDriver.objects.for_list(), request.membership.organization, pk
    )


def _table_response(request: HttpRequest) -> HttpResponse:
    """The whole table, swapped in place of the current one (htmx)."""
    response = render(request, f"{LIST_TEMPLATE}#driver-table", _list_context(request))
    return reswap(retarget(response, "#driver-table"), "outerHTML")


@require_GET
@membership_required()
def driver_list(request: HttpRequest) -> HttpResponse:
    template = LIST_TEMPLATE
    if request.htmx and request.htmx.target == "driver-table":
        template += "#driver-table"
    return render(request, template, _list_context(request))


@require_http_methods(["GET", "POST"])
@membership_required(admin=True)
def driver_create(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    if request.method == "POST":
        form = StorageDriverForm(request.POST, organization=organization)
        # Valid includes the bucket check (HeadBucket with the integration's keys).
        if form.is_valid():
            try:
                driver = services.storage_driver_create(
                    organization=organization,
                    created_by=request.user,
                    name=form.cleaned_data["name"],
                    integration=form.cleaned_data["integration"],
                    bucket=form.cleaned_data["bucket"],
                    path=form.cleaned_data["path"],
                    region=form.cleaned_data["region"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, texts.created(driver.name))
                if request.htmx:
                    return trigger_client_event(_table_response(request), "dialog:close")
                return redirect("storage:list")
    else:
        form = StorageDriverForm(organization=organization)
    if request.htmx:
        # htmx swaps the re-rendered dialog in place; errors are in the markup.
        return render(request, f"{FORM_TEMPLATE}#dialog", {"form": form})
    status = 422 if form.is_bound and form.errors else 200
    return render(request, FORM_TEMPLATE, {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@membership_required(admin=True)
def driver_delete(request: HttpRequest, pk) -> HttpResponse:
    driver = _get_driver(request, pk)
    if request.method == "POST":
        services.storage_driver_delete(driver=driver)
        messages.success(request, texts.deleted(driver.name))
        if request.htmx:
            remaining = StorageDriver.objects.for_organization(request.membership.organization)
            if remaining.exists():
                # Remove just the row (and show the message) without reloading the page.
                response = render(request, "includes/messages.html#oob-messages")
            else:
                response = _table_response(request)
            return trigger_client_event(response, "dialog:close")
        return redirect("storage:list")
    template = DELETE_TEMPLATE
    if request.htmx:
        template += "#dialog"
    return render(request, template, {"driver": driver, "message": texts.DELETE_MESSAGE})
