"""Every object a user reaches belongs to one organization: these two helpers are the only
way views and API endpoints look one up, so another organization's object is always a 404."""

from typing import Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from .models import Organization

M = TypeVar("M", bound=models.Model)


class OrgScopedQuerySet(models.QuerySet):
    """Base for the QuerySets of organization-owned models. A model whose organization is
    reached through a relation sets `organization_path` (e.g. "pipeline__organization")."""

    organization_path = "organization"

    def for_organization(self, organization: Organization) -> Self:
        return self.filter(**{self.organization_path: organization})


def not_found_message(model: type[models.Model]) -> str:
    return f"This {model._meta.verbose_name} does not exist. It may have been deleted already."


def get_object_in_org_or_404(
    queryset: "OrgScopedQuerySet | models.Manager", organization: Organization, pk: object
) -> models.Model:
    """The object with `pk` if it belongs to `organization`; otherwise Http404 (which the API
    answers as its JSON 404). A malformed id is a 404 too, never a 500."""
    if isinstance(queryset, models.Manager):
        queryset = queryset.all()
    try:
        found = queryset.for_organization(organization).filter(pk=pk).first()
    except (ValidationError, ValueError):
        found = None
    if found is None:
        raise Http404(not_found_message(queryset.model))
    return found
