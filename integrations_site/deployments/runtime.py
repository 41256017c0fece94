"""What happens at a rollout: find the integration serving the image's registry, mint pull
credentials with it, and check that the image exists. Read-only towards the registry.

This stands in for the cluster runtime: its outcome is what a pod start would see.

A request that rolls out many images (a pipeline install, a reload of every service of a
registry) must not wait for each in turn: the database is read first, in the request's thread;
then each registry's pull credentials are minted once and each distinct image is looked up
once, a few at a time in worker threads, all within OUTBOUND_REQUEST_DEADLINE_SECONDS of the
start of the request (so a check the request made first, e.g. of new credentials before a
reload, comes out of the same budget). What has no answer by then is recorded as "not checked
yet" instead of holding the request."""

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.dispatch import receiver

from integrations_site.integrations.images import ImageReference, parse_image
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import (
    ImageMissing,
    Provider,
    RegistryRefused,
    RegistryUnreachable,
    get_provider,
)
from integrations_site.integrations.pull import pull_credentials, track_minted
from integrations_site.organizations.models import Organization

from .messages import NOT_CHECKED_YET, revoked_reason
from .models import RunStatus

# Registries asked at once by one request; small, since every web worker may do this.
WORKERS = 4

# What a rollout depends on: the image and, for a revoked target, the integration it lost.
RolloutKey = tuple[str, str]

_request_started_at: ContextVar[float | None] = ContextVar("request_started_at", default=None)


@receiver(request_started, dispatch_uid="deployments-request-started")
def _note_request_start(**kwargs) -> None:
    _request_started_at.set(time.monotonic())


@receiver(request_finished, dispatch_uid="deployments-request-finished")
def _forget_request_start(**kwargs) -> None:
    _request_started_at.set(None)


def _deadline() -> float:
    """When outbound calls must have answered: counted from the start of the request being
    served, or from now outside a request (a command, a test calling a service)."""
    started = _request_started_at.get()
    start = started if started is not None else time.monotonic()
    return start + settings.OUTBOUND_REQUEST_DEADLINE_SECONDS


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    integration_name: str = ""


@dataclass
class _Registry:
    """One integration to ask: pull credentials minted once, then each of its images."""

    integration: Integration
    provider: Provider
    images: dict[RolloutKey, ImageReference] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.integration.name


def _ask(registry: _Registry, call: Callable[[], object]) -> Outcome | None:
    """Run one call to the registry: None if it answered well, else the outcome saying why."""
    backoff, name = RunStatus.IMAGE_PULL_BACK_OFF, registry.name
    try:
        call()
    except RegistryUnreachable as error:
        return Outcome(backoff, registry.provider.unreachable_reason(error), name)
    except RegistryRefused as error:
        return Outcome(backoff, f"Integration '{name}' credentials rejected: {error}", name)
    except ImageMissing as error:
        return Outcome(backoff, str(error), name)
    return None


def _mint(registry: _Registry, minted: list) -> Outcome | None:
    return _ask(registry, lambda: pull_credentials(registry.integration, minted=minted))


def _find(registry: _Registry, reference: ImageReference) -> Outcome:
    failed = _ask(
        registry,
        lambda: registry.provider.find_image(
            registry.integration.credentials,
            reference.repository,
            tag=reference.tag,
            digest=reference.digest,
        ),
    )
    return failed or Outcome(RunStatus.RUNNING, "", registry.name)


def _in_worker(function: Callable, *args):
    try:
        return function(*args)
    finally:
        # Django connections are per thread: one a worker opened (e.g. a database cache)
        # would otherwise stay open after the pool's thread ends.
        connections.close_all()


def _plan(
    organization: Organization, keys: Iterable[RolloutKey]
) -> tuple[dict[RolloutKey, Outcome], dict[object, _Registry]]:
    """Read the database (this thread only): outcomes known without asking anyone, and the
    registries to ask with their images."""
    decided: dict[RolloutKey, Outcome] = {}
    registries: dict[object, _Registry] = {}
    serving: dict[str, Integration | None] = {}
    backoff = RunStatus.IMAGE_PULL_BACK_OFF
    for key in dict.fromkeys(keys):
        image, revoked_integration = key
        try:
            reference = parse_image(image)
        except ValueError as error:
            decided[key] = Outcome(backoff, str(error))
            continue
        if reference.registry not in serving:
            found = Integration.objects.for_organization(organization).serving_registry(
                reference.registry
            )
            # The lookup defers the ciphertext: read the whole row here, so that no worker
            # reads the database (None if it was deleted meanwhile).
            serving[reference.registry] = found and Integration.objects.filter(pk=found.pk).first()
        integration = serving[reference.registry]
        if integration is None:
            reason = (
                revoked_reason(revoked_integration)
                if revoked_integration
                else f"No registry integration for {reference.registry}"
            )
            decided[key] = Outcome(backoff, reason)
            continue
        registry = registries.get(integration.pk)
        if registry is None:
            provider = get_provider(integration.provider)
            if provider is None:
                raise LookupError(f"Unknown provider {integration.provider!r}.")
            registry = registries[integration.pk] = _Registry(integration, provider)
        registry.images[key] = reference
    return decided, registries


def roll_out_images(
    organization: Organization, keys: Iterable[RolloutKey]
) -> dict[RolloutKey, Outcome]:
    """The outcome of rolling out each (image, revoked integration) key, within the deadline."""
    outcomes, registries = _plan(organization, keys)
    if not registries:
        return outcomes
    deadline = _deadline()
    images = sum(len(registry.images) for registry in registries.values())
    pool = ThreadPoolExecutor(max_workers=min(WORKERS, images), thread_name_prefix="rollout")
    minted: list = []  # fresh pull credentials, listed for the worker from this thread
    pending: dict[Future, tuple[_Registry, RolloutKey | None]] = {}
    try:
        for registry in registries.values():
            pending[pool.submit(_in_worker, _mint, registry, minted)] = (registry, None)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            done, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            for future in done:
                registry, key = pending.pop(future)
                outcome = future.result()
                if key is not None:
                    outcomes[key] = outcome
                elif outcome is not None:  # no pull credentials: every image fails the same way
                    outcomes.update(dict.fromkeys(registry.images, outcome))
                else:
                    for image_key, reference in registry.images.items():
                        found = pool.submit(_in_worker, _find, registry, reference)
                        pending[found] = (registry, image_key)
    finally:
        # Calls still waiting for an answer are left to end on their own timeouts
        # (CHECK_DEADLINE_SECONDS and the providers' per-call limits); the request goes on.
        pool.shutdown(wait=False, cancel_futures=True)
    track_minted(list(minted))
    for registry in registries.values():
        for key in registry.images:
            outcomes.setdefault(key, Outcome(RunStatus.PENDING, NOT_CHECKED_YET, registry.name))
    return outcomes


def roll_out_image(
    organization: Organization, image: str, *, revoked_integration: str = ""
) -> Outcome:
    key = (image, revoked_integration)
    return roll_out_images(organization, [key])[key]
