"""Background work of the api app: webhook deliveries and housekeeping."""

from __future__ import annotations

from django.tasks import default_task_backend, task
from django.utils import timezone

from api import actions, idempotency, ratelimit, webhooks
from api.models import DeliveryState, WebhookDelivery


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    """One attempt; on failure the next one is queued with exponential backoff.

    Backends that cannot defer (the in-process one used by tests) leave the retry to
    ``retry_due_webhooks``, which the scheduler runs every minute.
    """
    retry_at = webhooks.attempt(delivery_id)
    if retry_at is None:
        return "done"
    if default_task_backend.supports_defer:
        deliver_webhook.using(run_after=retry_at).enqueue(delivery_id)
        return f"retry at {retry_at.isoformat()}"
    return f"due at {retry_at.isoformat()}"


@task(queue_name="webhooks")
def retry_due_webhooks() -> int:
    """Sweep deliveries whose retry is due (a lost task or a backend without deferral)."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in due:
        deliver_webhook.enqueue(pk)
    return len(due)


@task()
def purge_api_records() -> int:
    """Forget ended rate-limit windows, expired idempotency keys and access requests nobody
    validated within their day."""
    now = timezone.now()
    return ratelimit.purge(now) + idempotency.purge(now) + actions.purge_pending_keys(now)
