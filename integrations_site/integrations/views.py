import base64
import binascii
import json
import threading
import uuid
import zlib
from collections import OrderedDict
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from integrations_site.organizations.access import membership_required
from integrations_site.organizations.scoping import get_object_in_org_or_404
from integrations_site.validation import storable

from . import messages as texts
from . import services
from .forms import KINDS, IntegrationForm
from .models import Integration, IntegrationQuerySet, IntegrationStatus, IntegrationType
from .providers import get_provider, provider_display_name

LIST_TEMPLATE = "integrations/integration_list.html"
FORM_TEMPLATE = "integrations/integration_form.html"
DELETE_TEMPLATE = "integrations/integration_confirm_delete.html"


# The orders the list offers: ?sort= value -> (column, descending). Each page is found by keyset
# on (column, id) after the last row of the page before, so a deep page costs what the first does.
SORTS = {
    "-created": ("created_at", True),
    "created": ("created_at", False),
    "name": ("name", False),
    "-name": ("name", True),
    "status": ("status", False),
    "-status": ("status", True),
}
DEFAULT_SORT = "-created"
BADGE_HUES = 8


def _cursor(value, pk) -> str:
    """Where a page ended: readable, not signed (it only moves within the user's own list)."""
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, str(pk)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str, column: str) -> tuple | None:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value = datetime.fromisoformat(value) if column == "created_at" else str(value)
        return value, uuid.UUID(pk)
    except (ValueError, TypeError, binascii.Error):
        return None  # a cursor we did not write: the first page


def _when(value: datetime | None) -> tuple[str, str]:
    """(ISO for <time datetime>, the label): strftime once per value, no template filters."""
    if value is None:
        return "", ""
    return value.isoformat(), value.strftime("%b %-d, %Y %H:%M UTC")


def _provider_facts(key: str) -> dict:
    """What a row shows about its provider, asked of the provider (a dict lookup)."""
    provider = get_provider(key)
    shows_host = provider.shows_registry_host if provider else True
    # A stable colour per provider, from its key (no provider is named here).
    hue = zlib.crc32(key.encode()) % BADGE_HUES
    return {
        "display": provider_display_name(key),
        "hue": hue,
        "labels": ("Registry", "User") if shows_host else ("Account", "Region"),
        "fields": ("registry", "account") if shows_host else ("account", "region"),
    }


def _row(values: dict, prefix: str) -> dict:
    """One list row, every string ready: the template prints, it computes nothing."""
    facts = _provider_facts(values["provider"])
    checked_iso, checked = _when(values["checked_at"])
    created_iso, created = _when(values["created_at"])
    url = f"{prefix}{values['id']}/"
    return {
        "pk": values["id"],
        "name": values["name"],
        "type_display": TYPE_LABELS.get(values["type"], values["type"]),
        "provider": facts["display"],
        "hue": facts["hue"],
        "where": tuple(
            (label, values[field] or "—")
            for label, field in zip(facts["labels"], facts["fields"], strict=True)
        ),
        "status": values["status"],
        "status_display": STATUS_LABELS.get(values["status"], values["status"]),
        "status_reason": values["status_reason"] if values["status"] == "failed" else "",
        "checked_iso": checked_iso,
        "checked": checked,
        "created_iso": created_iso,
        "created": created,
        "creator": values["creator"] or "—",
        "check_url": f"{url}check/",
        "delete_url": f"{url}delete/",
    }


# What a row shows (_row): no metadata, whose JSON would be decoded on every row for nothing.
ROW_COLUMNS = (
    "id",
    "name",
    "type",
    "provider",
    "account",
    "region",
    "registry",
    "status",
    "status_reason",
    "checked_at",
    "created_at",
)


def _rows_query(organization) -> "IntegrationQuerySet":
    return Integration.objects.for_organization(organization).list_rows(ROW_COLUMNS)


def _list_context(request: HttpRequest) -> dict:
    """One page of the list: a fixed handful of queries at any size (no COUNT, no OFFSET)."""
    # Characters no database stores (NUL) can match nothing: drop them rather than fail.
    query = "".join(ch for ch in request.GET.get("q", "") if storable(ch)).strip()
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    column, descending = SORTS[sort]
    rows = _rows_query(request.membership.organization).name_contains(query)
    after = _after(request.GET.get("after", ""), column)
    if after is not None:
        before = "lt" if descending else "gt"
        value, pk = after
        rows = rows.filter(
            Q(**{f"{column}__{before}": value}) | Q(**{column: value, f"id__{before}": pk})
        )
    order = f"-{column}" if descending else column
    size = settings.INTEGRATIONS_PAGE_SIZE
    found = list(rows.order_by(order, "-id" if descending else "id")[: size + 1])
    page, more = found[:size], len(found) > size
    prefix = reverse("integrations:list")
    row_context = {
        "can_manage": request.membership.is_admin,
        "platform_name": settings.PLATFORM_NAME,
        "history_url": reverse("organizations:activity"),
    }
    rows = [_row(values, prefix) for values in page]
    return {
        **row_context,
        "rows": rows,
        "rendered_rows": _rendered_rows(rows, row_context, csrf_token=get_token(request)),
        "next_after": _cursor(page[-1][column], page[-1]["id"]) if more else "",
        "is_first_page": after is None,
        "sort": sort,
        "sorts": _sort_links(sort),
        "query": query,
        "list_url": prefix,
    }


# Rendered rows, remembered per process by everything a row shows: its values and the row
# context (the viewer's role, the platform name, the activity URL). Rendering is most of a
# page's cost and a list is mostly read again unchanged; a changed row has another key, so a
# remembered row is never stale. Bounded (least recently used go first): memory stays flat.
ROW_MEMORY_SIZE = 2048
# Stands for the page's CSRF token in a remembered row, replaced on every page. No stored text
# holds a NUL (validation.storable), so no name can contain it.
_CSRF_SLOT = "\x00csrf-token\x00"
_rendered: OrderedDict[tuple, str] = OrderedDict()
_rendered_lock = threading.Lock()


def _rendered_rows(rows: list[dict], row_context: dict, *, csrf_token: str) -> list[SafeString]:
    template = get_template(f"{LIST_TEMPLATE}#integration-row")
    context_key = tuple(row_context.items())
    rendered = []
    for row in rows:
        key = (context_key, tuple(row.items()))
        html = _remembered(key)
        if html is None:
            html = template.render({**row_context, "row": row, "csrf_token": _CSRF_SLOT})
            _remember(key, html)
        rendered.append(mark_safe(html.replace(_CSRF_SLOT, csrf_token)))  # noqa: S308 (our template's output)
    return rendered


def _remembered(key: tuple) -> str | None:
    with _rendered_lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
        return html


def _remember(key: tuple, html: str) -> None:
    if settings.DEBUG:
        return  # runserver re-reads a template when it is edited: its rows must follow
    with _rendered_lock:
        _rendered[key] = html
        while len(_rendered) > ROW_MEMORY_SIZE:
            _rendered.popitem(last=False)


def _sort_links(current: str) -> dict:
    """Per sortable column: the ?sort= its header link asks for, and aria-sort now."""
    links = {}
    for name, first in (("name", "name"), ("created", "-created"), ("status", "status")):
        reverse_of_first = first[1:] if first.startswith("-") else f"-{first}"
        if current == first:
            links[name] = {"next": reverse_of_first, "aria": _aria(first)}
        elif current == reverse_of_first:
            links[name] = {"next": first, "aria": _aria(reverse_of_first)}
        else:
            links[name] = {"next": first, "aria": "none"}
    return links


def _aria(sort: str) -> str:
    return "descending" if sort.startswith("-") else "ascending"


TYPE_LABELS = dict(IntegrationType.choices)
STATUS_LABELS = dict(IntegrationStatus.choices)


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
        values = _rows_query(request.membership.organization).get(pk=integration.pk)
        context = {
            "row": _row(values, reverse("integrations:list")),
            "can_manage": True,
            "platform_name": settings.PLATFORM_NAME,
            "history_url": reverse("organizations:activity"),
        }
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
