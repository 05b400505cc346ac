"""Delivering a webhook: the job runner's handler of ``webhook`` jobs.

Each delivery is signed per Standard Webhooks (``webhook-id`` is the event's id, the same on every attempt, so a
receiver drops a repeat; ``webhook-timestamp``; ``webhook-signature``), POSTed to the checked address
(``services.webhook_targets``) with a timeout and without following redirects. A 2xx is delivered; 410 Gone
disables the webhook; 429 and 503 with Retry-After are tried again then; any other answer, a redirect, a timeout
or a refused connection is tried again on the Standard Webhooks schedule, and when that is spent (or too many
attempts failed in a row) the webhook is disabled. Access is checked again first: content made private since the
event is skipped, and the log says so.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook as Signer

from services import webhook_targets
from services.jobs import GiveUp, JobContext, Record, Retry
from services.webhooks import Subject, may_see
from storage.base import utcnow
from storage.models import Job, Webhook
from storage.repositories import webhooks as repo

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0  # to connect, and again to read the answer's headers
# Standard Webhooks' schedule: the first attempt at once, then these waits (about 28 hours in all).
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600))
ATTEMPTS = 1 + len(RETRY_DELAYS)
DISABLE_AFTER_FAILURES = 50  # attempts failed in a row across deliveries: the receiver is gone
LONGEST_WAIT = timedelta(hours=10)  # a Retry-After further away is shortened to this
USER_AGENT = "Praktijkbank-Webhooks/1.0"


def retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (from 1), with jitter so that retries do not arrive together."""
    return RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1] * random.uniform(0.9, 1.1)


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait between 1 s and ``LONGEST_WAIT``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(seconds=1), min(wait, LONGEST_WAIT))


def _recorder(hook_id: uuid.UUID, job_id: int, status: int | None, *, ok: bool, disable: str | None = None) -> Record:
    """What an attempt leaves on the webhook (last status, failures in a row) and on its delivery."""
    at = utcnow()

    def record(session: Session) -> None:
        hook = session.get(Webhook, hook_id)
        if hook is not None:
            hook.last_status, hook.last_delivery_at = status, at
            hook.failures = 0 if ok else hook.failures + 1
            if disable is not None:
                hook.active, hook.disabled_reason = False, disable[:300]
                logger.warning("webhook %s disabled: %s", hook_id, disable)
        job = session.get(Job, job_id)
        if job is not None:
            job.payload = {**job.payload, "last_status": status}

    return record


def _failed(hook: Webhook, job: Job, status: int | None, reason: str, after: timedelta | None = None) -> Exception:
    """A failed attempt: tried again on the schedule, or the end of the delivery (and of the webhook)."""
    disable = None
    if job.attempts >= ATTEMPTS:
        disable = f"{ATTEMPTS} attempts of one delivery failed; the last: {reason}"
    elif hook.failures + 1 >= DISABLE_AFTER_FAILURES:
        disable = f"{hook.failures + 1} delivery attempts failed in a row; the last: {reason}"
    record = _recorder(hook.id, job.id, status, ok=False, disable=disable)
    if disable is not None:
        return GiveUp(f"{reason}; the webhook is disabled", record=record)
    return Retry(reason, after or retry_delay(job.attempts), record=record)


def _skip(context: JobContext, job: Job) -> str | None:
    """Why this delivery is not made at all (None: it is made)."""
    payload = job.payload
    hook = repo.get(context.session, uuid.UUID(payload["webhook_id"]))
    if hook is None:
        return "skipped: the webhook was removed"
    if not hook.active:
        return f"skipped: the webhook is off ({hook.disabled_reason or 'paused'})"
    subject = payload.get("subject")
    if subject and not may_see(context.session, hook, Subject(subject["kind"], uuid.UUID(subject["id"]))):
        return "skipped: the subject is gone or no longer visible to this webhook"
    return None


def _post(target: webhook_targets.Target, message_id: str, body: bytes, secret: str) -> httpx.Response:
    """One signed attempt; the answer's body is not read."""
    now = utcnow()
    headers = {
        "Host": target.host,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, now, body),
    }
    extensions = {"sni_hostname": target.server_name} if target.server_name else {}
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
        request = client.build_request("POST", target.url, content=body, headers=headers, extensions=extensions)
        response = client.send(request, stream=True)
        response.close()
    return response


def deliver(context: JobContext, job: Job) -> str:
    """The handler: skip what may no longer go out, check the address, post, and judge the answer."""
    if (skipped := _skip(context, job)) is not None:
        logger.info("webhook delivery %s %s", job.id, skipped)
        return skipped
    hook = repo.get(context.session, uuid.UUID(job.payload["webhook_id"]))
    assert hook is not None  # _skip said so
    body = json.dumps(job.payload["body"], separators=(",", ":"), ensure_ascii=False).encode()
    sent_at = utcnow()
    try:
        target = webhook_targets.pin(hook.url, allow_private=hook.allow_private)
        response = _post(target, str(job.payload["message_id"]), body, hook.secret)
    except (webhook_targets.Refused, httpx.InvalidURL) as exc:
        raise GiveUp(f"refused: {exc}", record=_recorder(hook.id, job.id, None, ok=False)) from None
    except httpx.TimeoutException:
        raise _failed(hook, job, None, f"no answer within {TIMEOUT_SECONDS:g} s") from None
    except httpx.HTTPError as exc:
        raise _failed(hook, job, None, f"could not deliver: {type(exc).__name__}: {exc}") from None
    status = response.status_code
    if response.is_success:
        _recorder(hook.id, job.id, status, ok=True)(context.session)
        return f"delivered: {status}"
    reason = f"{status} {response.reason_phrase}".strip()
    if status == 410:
        record = _recorder(hook.id, job.id, status, ok=False, disable="the receiver answered 410 Gone")
        raise GiveUp(f"{reason}: the receiver is gone; the webhook is disabled", record=record)
    if response.is_redirect:
        reason += f" to {response.headers.get('location', '?')} (redirects are not followed)"
    after = retry_after(response.headers.get("retry-after"), sent_at) if status in (429, 503) else None
    raise _failed(hook, job, status, reason, after)
