"""The outbox: mail as jobs of the durable queue. A direct mail is queued with the notification, once
(``mail:<notification>``); a digest once per person, frequency and period. Both are built when they are sent,
from what the recipient may read and wants at that moment; every mail that is not sent says why in the log.

Never twice, never lost. A job records ``sending`` in its own committed transaction just before the final dot of
the SMTP data, and ``sent`` (done) right after the server's reply. A crash before the mark: the server had no
complete message, the job is sent again. A crash after ``sent``: the job is done. A crash between the two (the
server's reply and one commit: milliseconds) leaves a job marked ``sending`` that is sent again with the same
Message-ID: the only way to a duplicate, logged as such, and its outcome says so. Losing it instead would be
worse: a receiver can tell a repeated Message-ID, nobody can tell a mail that never came.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.settings import Settings
from core.vocab import MailFrequency, NotificationKind
from services import auth
from services.access import AccessPolicy
from services.jobs import GiveUp, Handler, JobContext, Retry
from services.mail import compose, content, preferences, transport
from storage.base import utcnow
from storage.models import Account, DigestState, Job, Notification, Person
from storage.repositories import jobs

logger = logging.getLogger(__name__)
MAIL_JOB = "mail"
DIGEST_JOB = "digest"
SCHEDULE_JOB = "digest-schedule"
SENDING = "sending"
SENT_AGAIN = "sent again after an interrupted send (perhaps a duplicate)"
INTERVALS = {MailFrequency.DAILY: timedelta(days=1), MailFrequency.WEEKLY: timedelta(days=7)}
DIGEST_HOUR = 7  # digests go out from 07:00 Amsterdam time; a weekly one on Monday


def configured(settings: Settings) -> bool:
    return settings.smtp_url is not None and bool(settings.mail_from)


def handlers(settings: Settings | None) -> dict[str, Handler]:
    """The runner takes mail jobs only when there is a server and a sender: until then they wait, untouched, in
    the outbox (a job the runner took would use up its attempts)."""
    if settings is None or not configured(settings):
        return {}
    return {MAIL_JOB: send_direct, DIGEST_JOB: send_digest, SCHEDULE_JOB: schedule}


def waiting(session: Session) -> int:
    """Mails in the outbox, not sent yet."""
    query = select(func.count()).select_from(Job).where(Job.kind.in_((MAIL_JOB, DIGEST_JOB)), Job.done_at.is_(None))
    return session.scalar(query) or 0


# --- queueing -----------------------------------------------------------------------------------------------


def queue_direct(session: Session, note: Notification) -> bool:
    """A direct mail for a new notification, when its person chose that and has an address. True when queued;
    otherwise the log says why, as for a mail skipped when it was to be sent."""
    key, kind = f"mail:{note.id}", NotificationKind(note.kind)
    chosen = preferences.frequency(session, note.person_id, kind)
    if chosen is not MailFrequency.DIRECT:
        logger.info("%s not sent: the person chooses %s for %s", key, chosen.value, kind.value)
        return False
    if _account(session, note.person_id) is None:
        logger.info("%s not sent: the person has no active account", key)
        return False
    jobs.enqueue(session, MAIL_JOB, key, {"notification": str(note.id)})
    return True


def period_start(frequency: MailFrequency, now: datetime) -> date:
    """The day a digest period began: each day at 07:00 (daily), each Monday at 07:00 (weekly), Amsterdam time."""
    day = (now.astimezone(compose.amsterdam()) - timedelta(hours=DIGEST_HOUR)).date()
    return day - timedelta(days=day.weekday()) if frequency is MailFrequency.WEEKLY else day


def digest_key(person_id: uuid.UUID, frequency: MailFrequency, period: date) -> str:
    return f"digest:{person_id}:{frequency.value}:{period.isoformat()}"


def start(session: Session, settings: Settings) -> None:
    """Make sure the digest schedule runs (at start; once per hour at most, whoever starts)."""
    if configured(settings):
        hour = utcnow().replace(minute=0, second=0, microsecond=0)
        jobs.enqueue(session, SCHEDULE_JOB, f"{SCHEDULE_JOB}:{hour.isoformat()}", {})
    elif count := waiting(session):
        logger.warning("mail is not configured (PRAKTIJKBANK_SMTP_URL, PRAKTIJKBANK_MAIL_FROM): %d wait", count)


def schedule(context: JobContext, job: Job) -> str:
    """Every hour: queue this period's digest for everyone with something new in it, then the next hour's run."""
    session, now = context.session, utcnow()
    queued = queue_digests(session, now)
    following = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    jobs.enqueue(session, SCHEDULE_JOB, f"{SCHEDULE_JOB}:{following.isoformat()}", {}, due_at=following)
    return f"queued {queued} digests"


def queue_digests(session: Session, now: datetime) -> int:
    """One digest job per person and frequency for the current period (once: the key holds the period), for
    those with an unread notification in the digest's window. The digest itself checks again when it is sent."""
    queued = 0
    for frequency in preferences.DIGESTS:
        period = period_start(frequency, now)
        for person_id in _with_news(session, frequency, now):
            key = digest_key(person_id, frequency, period)
            payload = {"person": str(person_id), "frequency": frequency.value, "period": period.isoformat()}
            jobs.enqueue(session, DIGEST_JOB, key, payload)
            queued += 1
    return queued


def _with_news(session: Session, frequency: MailFrequency, now: datetime) -> list[uuid.UUID]:
    last = (
        select(DigestState.last_sent_at)
        .where(DigestState.person_id == Notification.person_id, DigestState.frequency == frequency.value)
        .scalar_subquery()
    )
    query = (
        select(Notification.person_id)
        .join(Account, and_(Account.person_id == Notification.person_id, Account.disabled_at.is_(None)))
        .where(
            preferences.effective() == frequency.value,
            Notification.read_at.is_(None),
            Notification.created_at > now - INTERVALS[frequency],
            Notification.created_at <= now,
            or_(last.is_(None), Notification.created_at > last),
        )
        .distinct()
    )
    return list(session.scalars(query))


# --- sending ------------------------------------------------------------------------------------------------


def _skip(job: Job, reason: str) -> str:
    logger.info("%s not sent: %s", job.key, reason)
    return f"skipped: {reason}"


def _account(session: Session, person_id: uuid.UUID) -> Account | None:
    query = select(Account).where(Account.person_id == person_id, Account.disabled_at.is_(None))
    return session.scalar(query)


def _recipient(session: Session, account: Account) -> compose.Recipient:
    person = session.get(Person, account.person_id)
    return compose.Recipient(account.person_id, person.name if person else "", account.email)


def send_direct(context: JobContext, job: Job) -> str:
    """One notification, mailed on its own, if its person still wants that and may still read its subject."""
    session = context.session
    note = session.get(Notification, uuid.UUID(job.payload["notification"]))
    if note is None:
        return _skip(job, "the notification is gone")
    kind = NotificationKind(note.kind)
    chosen = preferences.frequency(session, note.person_id, kind)
    if chosen is not MailFrequency.DIRECT:
        return _skip(job, f"the person now chooses {chosen.value} for {kind.value}")
    if note.read_at is not None:
        return _skip(job, "already read in Meldingen")
    account = _account(session, note.person_id)
    if account is None:
        return _skip(job, "the person has no active account")
    policy = AccessPolicy(auth.viewer_for(session, account))
    made, skipped = content.items(session, [note], policy, context.settings.base_url)
    if skipped:
        return _skip(job, skipped[0].reason)
    message = compose.direct(context.settings, job.key, _recipient(session, account), made[0])
    return deliver(context, job, message)


def send_digest(context: JobContext, job: Job) -> str:
    """A person's unread notifications of one frequency since the later of the last digest and one interval ago;
    nothing when there is nothing (logged); ``last_sent_at`` moves only with a sent digest."""
    session, now = context.session, utcnow()
    person_id = uuid.UUID(job.payload["person"])
    frequency = MailFrequency(job.payload["frequency"])
    if job.payload["period"] != period_start(frequency, now).isoformat():
        return _skip(job, "its period is over; the current period's digest covers what is new")
    account = _account(session, person_id)
    if account is None:
        return _skip(job, "the person has no active account")
    state = session.scalar(
        select(DigestState).where(DigestState.person_id == person_id, DigestState.frequency == frequency.value)
    )
    since = now - INTERVALS[frequency]
    if state is not None and state.last_sent_at is not None:
        since = max(since, state.last_sent_at)
    notes = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.person_id == person_id,
                preferences.effective() == frequency.value,
                Notification.read_at.is_(None),
                Notification.created_at > since,
                Notification.created_at <= now,
            )
            .order_by(Notification.created_at, Notification.id)
        )
    )
    mailed = _mailed_on_their_own(session, notes)
    for note in notes:
        if note.id in mailed:
            logger.info("%s leaves out notification %s: it was mailed on its own", job.key, note.id)
    notes = [note for note in notes if note.id not in mailed]
    policy = AccessPolicy(auth.viewer_for(session, account))
    made, skipped = content.items(session, notes, policy, context.settings.base_url)
    for left_out in skipped:
        logger.info("%s leaves out notification %s: %s", job.key, left_out.notification_id, left_out.reason)
    if not made:
        return _skip(job, f"nothing new since {since.isoformat(timespec='seconds')}")
    to = _recipient(session, account)
    message = compose.digest(context.settings, job.key, to, frequency, since, made)
    if state is None:
        state = DigestState(person_id=person_id, frequency=frequency.value)
        session.add(state)
    outcome = deliver(context, job, message)
    state.last_sent_at = now  # committed with the job's "sent"
    return f"{outcome}: {len(made)} notifications"


def _mailed_on_their_own(session: Session, notes: list[Notification]) -> set[uuid.UUID]:
    """Of ``notes``, those a direct mail was (or may have been) sent for, before their person chose a digest for
    their kind: one mail per item per person."""
    keys = {f"mail:{note.id}": note.id for note in notes}
    if not keys:
        return set()
    sent = select(Job.key).where(
        Job.kind == MAIL_JOB, Job.key.in_(keys), Job.outcome.in_(("sent", SENT_AGAIN, SENDING))
    )
    return {keys[key] for key in session.scalars(sent)}


def deliver(context: JobContext, job: Job, message: EmailMessage) -> str:
    """Send ``message`` for ``job``, with the ``sending`` mark committed just before the server may take it."""
    settings = context.settings
    assert settings.smtp_url is not None  # the runner has no mail handlers without it
    server = transport.parse_url(settings.smtp_url.get_secret_value())
    again = job.outcome == SENDING
    if again:
        logger.warning("%s: an earlier attempt was cut off after handing it over; sending it again", job.key)

    marked = False

    def mark() -> None:
        nonlocal marked
        job.outcome, marked = SENDING, True
        context.session.commit()

    def unmark(session: Session) -> None:  # the server answered "no": this attempt delivered nothing
        found = session.get(Job, job.id)
        if found is not None and found.outcome == SENDING:
            found.outcome = None

    try:
        with transport.Delivery(server) as delivery:
            delivery.send(message, before_commit=mark)
    except transport.Temporary as exc:
        raise Retry(str(exc), record=unmark if marked and exc.answered and not again else None) from exc
    except transport.Rejected as exc:
        raise GiveUp(str(exc)) from exc
    return SENT_AGAIN if again else "sent"
