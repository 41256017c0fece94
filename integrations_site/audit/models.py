"""Audit events: append-only, one hash chain per organization (and one for site-wide events).

Events hold ids and names as plain values, never foreign keys: the trail outlives what it
describes (a deleted integration, a removed member, a deleted organization)."""

import uuid

from django.db import models
from django.db.models import Q

# The chain of events that belong to no organization (sign-ins, failed tokens, key rotation).
SITE_CHAIN = uuid.UUID(int=0)
GENESIS_HASH = "0" * 64


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class AppendOnly(Exception):
    """An audit event was about to be changed or deleted (only pruning deletes)."""


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):
        raise AppendOnly("Audit events are never changed.")

    def delete(self):
        raise AppendOnly("Audit events are only deleted by pruning (manage.py prune_audit).")

    def prune(self) -> int:
        """Delete these events (pruning only: services.audit_prune keeps the chain's anchor)."""
        return models.QuerySet.delete(self)[0]

    def waiting(self) -> "AuditEventQuerySet":
        """Events recorded outside the chain (reads on a hot path), not yet sealed into it."""
        return self.filter(sequence__isnull=True)

    def for_organization(self, organization_id) -> "AuditEventQuerySet":
        return self.filter(organization_id=organization_id)

    def filtered(
        self,
        *,
        action: str = "",
        actor: str = "",
        target: str = "",
        since=None,
        until=None,
    ) -> "AuditEventQuerySet":
        """The activity page's and the API's filters. `target` is a target's id (exact, e.g.
        an integration's history) or part of its name; `actor` likewise. A UUID is only an
        id: then the (organization, target id) index serves the page instead of a scan."""
        events = self
        if action:
            events = events.filter(action=action)
        if actor:
            events = events.filter(Q(actor_id=actor) | Q(actor_name__icontains=actor))
        if target and _is_uuid(target):
            events = events.filter(target_id=target)
        elif target:
            events = events.filter(Q(target_id=target) | Q(target_name__icontains=target))
        if since is not None:
            events = events.filter(created_at__gte=since)
        if until is not None:
            events = events.filter(created_at__lt=until)
        return events

    def newest_first(self) -> "AuditEventQuerySet":
        return self.order_by("-created_at", "-id")

    def older_than(self, created_at, event_id: int) -> "AuditEventQuerySet":
        """Keyset: the events after (created_at, id) in newest-first order. The `lte` bound
        lets the index start the scan at the cursor instead of filtering from the top."""
        return self.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(id__lt=event_id)
        )

    def newer_than(self, created_at, event_id: int) -> "AuditEventQuerySet":
        return self.filter(created_at__gte=created_at).filter(
            Q(created_at__gt=created_at) | Q(id__gt=event_id)
        )


class AuditEvent(models.Model):
    chain = models.UUIDField(editable=False)
    # None (and no hashes) while an event recorded with sealed=False waits to be linked.
    sequence = models.PositiveBigIntegerField(null=True, editable=False)
    organization_id = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    actor_kind = models.CharField(max_length=16, editable=False)
    actor_id = models.CharField(max_length=64, blank=True, editable=False)
    actor_name = models.CharField(max_length=200, blank=True, editable=False)
    action = models.CharField(max_length=64, editable=False)
    target_type = models.CharField(max_length=64, blank=True, editable=False)
    target_id = models.CharField(max_length=64, blank=True, editable=False)
    target_name = models.CharField(max_length=200, blank=True, editable=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, editable=False)
    # Names and counts only (which fields changed, how many rows): never a value.
    details = models.JSONField(default=dict, blank=True, editable=False)
    client_address = models.CharField(max_length=64, blank=True, editable=False)
    user_agent = models.CharField(max_length=300, blank=True, editable=False)
    request_id = models.CharField(max_length=64, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_one_link_per_place"),
        ]
        indexes = [
            # The activity page, the API and export: one organization, newest first (keyset).
            models.Index(fields=["organization_id", "created_at", "id"], name="audit_org_time"),
            # An integration's own history.
            models.Index(
                fields=["organization_id", "target_id", "created_at", "id"],
                name="audit_org_target_time",
            ),
            models.Index(
                fields=["organization_id", "action", "created_at", "id"],
                name="audit_org_action_time",
            ),
            # audit_seal: the few events waiting to be linked, oldest first.
            models.Index(
                fields=["chain", "created_at", "id"],
                condition=Q(sequence__isnull=True),
                name="audit_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_name or self.target_id} by {self.actor_name}"

    # A guard against changing the trail by mistake, not business logic: the table is only
    # ever inserted into (and pruned).
    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit events are only deleted by pruning (manage.py prune_audit).")


class AuditChain(models.Model):
    """The head of one chain: taken FOR UPDATE by each writer, so concurrent writers append
    one after another and the chain never forks. After pruning, `anchor_sequence` and
    `anchor_hash` are the last pruned event's, where verification starts."""

    chain = models.UUIDField(primary_key=True, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    anchor_sequence = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    pruned = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"chain {self.chain} at {self.sequence}"
