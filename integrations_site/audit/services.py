"""Writing the trail. `record` appends one event in the caller's transaction: a change that
rolls back takes its event with it. A failed attempt is recorded where the failure is known,
outside the transaction that failed (see `failures_recorded` in __init__)."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone

from . import context
from .models import GENESIS_HASH, SITE_CHAIN, AuditChain, AuditEvent, Outcome

SUCCESS, FAILURE = Outcome.SUCCESS, Outcome.FAILURE
_HASHED = [
    "chain",
    "sequence",
    "organization_id",
    "created_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_name",
    "outcome",
    "details",
    "client_address",
    "user_agent",
    "request_id",
    "previous_hash",
]


def _text(value: object, limit: int) -> str:
    # Text any database stores: no NUL, no lone surrogates; cut to the column.
    text = "" if value is None else str(value)
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit]


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every field but the hash itself, as canonical JSON."""
    values = {}
    for name in _HASHED:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif value is not None and name in ("chain", "organization_id"):
            value = str(value)
        values[name] = value
    body = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _locked_head(chain) -> AuditChain:
    head = AuditChain.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        try:
            with transaction.atomic():  # savepoint: another writer may create it first
                AuditChain.objects.create(chain=chain)
        except IntegrityError:
            pass
        head = AuditChain.objects.select_for_update().get(chain=chain)
    return head


def record(
    *,
    action: str,
    target: object = None,
    target_type: str | None = None,
    target_id: object = None,
    target_name: str | None = None,
    organization_id: object = None,
    outcome: str = SUCCESS,
    details: dict | None = None,
    actor: context.Actor | None = None,
    sealed: bool = True,
) -> AuditEvent:
    """Append an event to its organization's chain, in the caller's transaction (or one of
    its own). `target` may be a model instance: its type, id and name (now) are taken, and its
    organization unless `organization_id` is given. `details` are names and counts, never
    secret values. Costs three statements: lock the chain head, insert, move the head.

    `sealed=False` is for reads on a hot path (pull credentials, on every pod start): one
    INSERT and no lock, so the reads of one organization don't queue behind each other. The
    event waits outside the chain (no sequence, no hash) until `audit_seal` links it, which the
    worker does every schedule tick and verify and export do first."""
    event = _event(
        action=action,
        target=target,
        target_type=target_type,
        target_id=target_id,
        target_name=target_name,
        organization_id=organization_id,
        outcome=outcome,
        details=details,
        actor=actor,
    )
    if not sealed:
        event.save()
        return event
    with transaction.atomic(savepoint=False):
        head = _locked_head(event.chain)
        event.created_at = timezone.now()  # under the lock: chain order is time order
        _link(event, head.sequence, head.hash)
        event.save()
        AuditChain.objects.filter(chain=event.chain).update(
            sequence=event.sequence, hash=event.hash
        )
    return event


def _event(
    *,
    action: str,
    target: object,
    target_type: str | None,
    target_id: object,
    target_name: str | None,
    organization_id: object,
    outcome: str,
    details: dict | None,
    actor: context.Actor | None,
) -> AuditEvent:
    """The unsaved event, every text cut to what its column stores."""
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id if target_id is not None else target.pk
        target_name = target_name if target_name is not None else getattr(target, "name", target)
        if organization_id is None:
            organization_id = getattr(target, "organization_id", None)
    actor = actor or context.current_actor()
    request = context.current() or context.RequestContext()
    return AuditEvent(
        chain=organization_id or SITE_CHAIN,
        organization_id=organization_id,
        created_at=timezone.now(),
        actor_kind=_text(actor.kind, 16),
        actor_id=_text(actor.id, 64),
        actor_name=_text(actor.name, 200),
        action=_text(action, 64),
        target_type=_text(target_type, 64),
        target_id=_text(target_id, 64),
        target_name=_text(target_name, 200),
        outcome=outcome,
        details=json.loads(json.dumps(details or {}, default=str)),
        client_address=_text(request.client_address, 64),
        user_agent=_text(request.user_agent, 300),
        request_id=_text(request.request_id, 64),
    )


def _field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


# The INSERT ... SELECT of record_read, by target table and filtered columns (built once).
_READ_STATEMENTS: dict[tuple, str] = {}


def record_read(
    *,
    action: str,
    model: type[models.Model],
    pk: object,
    organization_id: object,
    where: dict,
    details: dict | None = None,
) -> bool:
    """Record a read of row `pk` of `model` (an organization's: its `organization_id`
    column is matched too) only if the row still exists with the `where` values, in one
    statement: the check and the event can't drift apart, and a hot read (pull credentials
    served from the cache) costs one INSERT. The event waits unsealed, as with
    record(sealed=False); its target name is the row's `name`. True if recorded."""
    event = _event(
        action=action,
        target=None,
        target_type=model._meta.model_name,
        target_id=pk,
        target_name="",
        organization_id=organization_id,
        outcome=SUCCESS,
        details=details,
        actor=None,
    )
    inserted = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    filters = {"pk": pk, "organization_id": organization_id, **where}
    connection = connections[router.db_for_write(AuditEvent)]
    key = (connection.alias, model._meta.label, tuple(filters))
    sql = _READ_STATEMENTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        name = quote(_field(model, "name").column)
        values = [name if field.name == "target_name" else "%s" for field in inserted]
        conditions = [f"{quote(_field(model, name).column)} = %s" for name in filters]
        # Only names from the models' own _meta, quoted; every value is a parameter.
        sql = _READ_STATEMENTS[key] = (
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(field.column) for field in inserted)}) "
            f"SELECT {', '.join(values)} FROM {quote(model._meta.db_table)} "
            f"WHERE {' AND '.join(conditions)}"
        )
    params = [
        field.get_db_prep_save(getattr(event, field.attname), connection)
        for field in inserted
        if field.name != "target_name"
    ]
    params += [
        _field(model, name).get_db_prep_value(value, connection) for name, value in filters.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _link(event: AuditEvent, sequence: int, previous_hash: str) -> None:
    event.sequence = sequence + 1
    event.previous_hash = previous_hash
    event.hash = event_hash(event)


# --- sealing the events recorded outside the chain --------------------------------------------

SEAL_BATCH = 1000


def audit_seal(*, chain=None) -> int:
    """Link every waiting event (recorded with sealed=False) into its chain, oldest first, in
    transactions of up to SEAL_BATCH events under the chain's lock. Sets only the place in the
    chain (sequence, previous hash, hash) of rows that have none; no content changes. Safe
    beside other sealers and writers. Returns how many it linked."""
    waiting = AuditEvent.objects.waiting()
    chains = [chain] if chain is not None else waiting.values_list("chain", flat=True).distinct()
    total = 0
    for one in list(chains):
        while linked := _seal_batch(one):
            total += linked
            if linked < SEAL_BATCH:
                break
    return total


@transaction.atomic
def _seal_batch(chain) -> int:
    head = _locked_head(chain)
    waiting = AuditEvent.objects.waiting().filter(chain=chain).order_by("created_at", "id")
    events = list(waiting[:SEAL_BATCH])
    sequence, previous = head.sequence, head.hash
    for event in events:
        _link(event, sequence, previous)
        sequence, previous = event.sequence, event.hash
    if events:
        # A plain QuerySet: the trail's own refuses every update (AuditEventQuerySet.update).
        models.QuerySet(AuditEvent).bulk_update(events, ["sequence", "previous_hash", "hash"])
        AuditChain.objects.filter(chain=chain).update(sequence=sequence, hash=previous)
    return len(events)


# --- verifying and pruning -------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    chain: object
    sequence: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = "site-wide chain" if self.chain == SITE_CHAIN else f"organization {self.chain}"
        event = f"event #{self.sequence}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{where}: {event}: {self.reason}"


def verify_chain(chain) -> BrokenLink | None:
    """Walk one chain from its anchor; the first link that does not hold, or None."""
    head = AuditChain.objects.filter(chain=chain).first()
    expected_sequence = (head.anchor_sequence if head else 0) + 1
    expected_previous = head.anchor_hash if head else GENESIS_HASH
    events = AuditEvent.objects.filter(chain=chain, sequence__isnull=False).order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return BrokenLink(
                chain, expected_sequence, None, f"missing (next present is #{event.sequence})"
            )
        if event.previous_hash != expected_previous:
            return BrokenLink(
                chain, event.sequence, event.pk, "its previous hash is not the event before it"
            )
        if event_hash(event) != event.hash:
            return BrokenLink(chain, event.sequence, event.pk, "its contents were changed")
        expected_sequence += 1
        expected_previous = event.hash
    if head is not None and (head.sequence, head.hash) != (
        expected_sequence - 1,
        expected_previous,
    ):
        return BrokenLink(
            chain, expected_sequence, None, f"missing (the chain's head is at #{head.sequence})"
        )
    return None


def verify_all() -> list[BrokenLink]:
    chains = AuditChain.objects.values_list("chain", flat=True).order_by("chain")
    return [broken for chain in chains if (broken := verify_chain(chain)) is not None]


@transaction.atomic
def audit_prune(*, older_than_days: int) -> int:
    """Delete events older than the retention, chain by chain. Each chain's head keeps the
    last pruned event's sequence and hash as its new anchor, and the chain records the prune
    itself, so `verify_audit` still checks every event that is left. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    total = 0
    for chain in AuditChain.objects.values_list("chain", flat=True).order_by("chain"):
        head = _locked_head(chain)
        last = (
            AuditEvent.objects.filter(chain=chain, created_at__lt=cutoff)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        if last is None:
            continue
        through, through_hash = last
        pruned = AuditEvent.objects.filter(chain=chain, sequence__lte=through).prune()
        AuditChain.objects.filter(chain=chain).update(
            anchor_sequence=through, anchor_hash=through_hash, pruned=head.pruned + pruned
        )
        record(
            action="audit.prune",
            organization_id=None if chain == SITE_CHAIN else chain,
            target_type="audit chain",
            target_id=chain,
            details={"pruned": pruned, "through_sequence": through, "anchor_hash": through_hash},
        )
        total += pruned
    return total


# --- export ----------------------------------------------------------------------------------


def as_json(event: AuditEvent) -> dict:
    """One event as the API, the export and the SIEM see it."""
    return {
        "id": event.pk,
        "organizationId": str(event.organization_id) if event.organization_id else None,
        "sequence": event.sequence,
        "createdAt": event.created_at.astimezone(UTC).isoformat(),
        "actor": {"kind": event.actor_kind, "id": event.actor_id, "name": event.actor_name},
        "action": event.action,
        "target": {"type": event.target_type, "id": event.target_id, "name": event.target_name},
        "outcome": event.outcome,
        "details": event.details,
        "clientAddress": event.client_address,
        "userAgent": event.user_agent,
        "requestId": event.request_id,
        "previousHash": event.previous_hash,
        "hash": event.hash,
    }


def json_lines(events) -> Iterator[str]:
    for event in events.iterator(chunk_size=2000):
        yield json.dumps(as_json(event), ensure_ascii=False) + "\n"
