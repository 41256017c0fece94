from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from integrations_site.integrations.providers import RegistryRefused, RegistryUnreachable
from integrations_site.organizations.access import membership_required
from integrations_site.organizations.scoping import get_object_in_org_or_404

from . import services
from .forms import PipelineForm, ServiceForm
from .manifests import service_manifests
from .models import Pipeline, Service

SERVICES_TEMPLATE = "deployments/service_list.html"
SERVICE_TEMPLATE = "deployments/service_detail.html"
PIPELINES_TEMPLATE = "deployments/pipeline_list.html"
PIPELINE_TEMPLATE = "deployments/pipeline_detail.html"


def _service(request: HttpRequest, pk) -> Service:
    return get_object_in_org_or_404(Service.objects, request.membership.organization, pk)


def _pipeline(request: HttpRequest, pk) -> Pipeline:
    return get_object_in_org_or_404(Pipeline.objects, request.membership.organization, pk)


def _services_context(request: HttpRequest, form: ServiceForm) -> dict:
    return {
        "form": form,
        "services": Service.objects.for_organization(request.membership.organization),
        "can_manage": request.membership.is_admin,
    }


@require_GET
@membership_required()
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, SERVICES_TEMPLATE, _services_context(request, ServiceForm()))


@require_POST
@membership_required(admin=True)
def service_deploy(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(request.POST)
    if form.is_valid():
        try:
            service = services.service_deploy(
                organization=request.membership.organization,
                name=form.cleaned_data["name"],
                runner_image=form.cleaned_data["runner_image"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.info(request, f"Deployed “{service.name}”: {service.get_status_display()}.")
            if request.htmx:
                context = _services_context(request, ServiceForm())
                return render(request, f"{SERVICES_TEMPLATE}#services-panel", context)
            return redirect("deployments:services")
    context = _services_context(request, form)
    if request.htmx:
        return render(request, f"{SERVICES_TEMPLATE}#services-panel", context)
    return render(request, SERVICES_TEMPLATE, context, status=422)


@require_GET
@membership_required()
def service_detail(request: HttpRequest, pk) -> HttpResponse:
    service = _service(request, pk)
    context = {
        "service": service,
        "rollouts": service.rollouts.select_related("created_by")[:50],
        "can_manage": request.membership.is_admin,
    }
    return render(request, SERVICE_TEMPLATE, context)


@require_POST
@membership_required(admin=True)
def service_restart(request: HttpRequest, pk) -> HttpResponse:
    service = services.service_restart(service=_service(request, pk), user=request.user)
    if request.htmx and request.htmx.target == f"service-row-{service.pk}":
        context = {"service": service, "can_manage": True}
        return render(request, f"{SERVICES_TEMPLATE}#service-row", context)
    messages.info(request, f"Restarted “{service.name}”: {service.get_status_display()}.")
    if request.POST.get("next") == "detail":
        return redirect(service_url(service))
    return redirect("deployments:services")


def service_url(service: Service) -> str:
    return reverse("deployments:service", args=[service.pk])


@require_GET
@membership_required(admin=True)
def service_manifests_download(request: HttpRequest, pk) -> HttpResponse:
    service = _service(request, pk)
    try:
        text = service_manifests(service)
    except (RegistryUnreachable, RegistryRefused) as error:
        messages.error(request, f"Could not mint pull credentials: {error}")
        return redirect(service_url(service))
    response = HttpResponse(text, content_type="application/yaml")
    # The file name is a slug of the service name: no quote or line break reaches the header.
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(service.name) or "service"}-k8s.yaml"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- pipelines --------------------------------------------------------------------------------


def _pipelines_context(request: HttpRequest, form: PipelineForm) -> dict:
    pipelines = Pipeline.objects.for_organization(request.membership.organization).prefetch_related(
        "nodes"
    )
    return {"form": form, "pipelines": pipelines, "can_manage": request.membership.is_admin}


@require_http_methods(["GET", "POST"])
@membership_required()
def pipeline_list(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied("Only organization admins can do this.")
        form = PipelineForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                pipeline = services.pipeline_create(
                    organization=organization,
                    name=form.cleaned_data["name"],
                    nodes=form.cleaned_data["nodes"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, f"Pipeline “{pipeline.name}” created. Install it to run it."
                )
                return redirect("deployments:pipeline", pk=pipeline.pk)
        return render(request, PIPELINES_TEMPLATE, _pipelines_context(request, form), status=422)
    form = PipelineForm(organization=organization)
    return render(request, PIPELINES_TEMPLATE, _pipelines_context(request, form))


@require_GET
@membership_required()
def pipeline_detail(request: HttpRequest, pk) -> HttpResponse:
    pipeline = _pipeline(request, pk)
    context = {
        "pipeline": pipeline,
        "nodes": pipeline.nodes.all(),
        "can_manage": request.membership.is_admin,
    }
    return render(request, PIPELINE_TEMPLATE, context)


@require_POST
@membership_required(admin=True)
def pipeline_install(request: HttpRequest, pk) -> HttpResponse:
    pipeline = _pipeline(request, pk)
    nodes = services.pipeline_install(pipeline=pipeline, user=request.user)
    running = sum(node.status == "running" for node in nodes)
    messages.info(request, f"Installed “{pipeline.name}”: {running} of {len(nodes)} nodes running.")
    if request.POST.get("next") == "list":
        return redirect("deployments:pipelines")
    if request.htmx:
        # Deleted meanwhile by another request: a 404, like any other missing pipeline.
        pipeline = _pipeline(request, pk)
        context = {"pipeline": pipeline, "nodes": nodes, "can_manage": True}
        response = render(request, f"{PIPELINE_TEMPLATE}#nodes-panel", context)
        return retarget(reswap(response, "outerHTML"), "#nodes-panel")
    return redirect("deployments:pipeline", pk=pipeline.pk)


@require_POST
@membership_required(admin=True)
def pipeline_node_restart(request: HttpRequest, pk, node_pk: int) -> HttpResponse:
    pipeline = _pipeline(request, pk)
    node = pipeline.nodes.filter(pk=node_pk).first()
    if node is None:
        raise Http404("This pipeline node does not exist.")
    services.pipeline_node_restart(node=node, user=request.user)
    messages.info(request, f"Restarted {pipeline.name} / {node.name}: {node.get_status_display()}.")
    if request.htmx:
        context = {"pipeline": pipeline, "nodes": pipeline.nodes.all(), "can_manage": True}
        response = render(request, f"{PIPELINE_TEMPLATE}#nodes-panel", context)
        return retarget(reswap(response, "outerHTML"), "#nodes-panel")
    return redirect("deployments:pipeline", pk=pipeline.pk)
