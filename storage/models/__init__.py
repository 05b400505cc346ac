"""All tables; importing this package registers them on ``Base.metadata``."""

from storage.models.accounts import Account, ApiToken, AuditEntry, WebSession
from storage.models.directory import Community, CommunityMember, Organisation, Person
from storage.models.limits import RateLimitHit
from storage.models.network import Answer, Application, Feedback, KnowledgeGap, Question
from storage.models.outreach import DigestState, FeedToken, Follow, Job, MailPreference, Notification, Webhook
from storage.models.practices import Practice, PracticeAuthor, PracticeTag, PracticeVersion
from storage.models.tasks import IndexTask

__all__ = [
    "Account",
    "Answer",
    "ApiToken",
    "Application",
    "AuditEntry",
    "Community",
    "CommunityMember",
    "DigestState",
    "FeedToken",
    "Feedback",
    "Follow",
    "IndexTask",
    "Job",
    "KnowledgeGap",
    "MailPreference",
    "Notification",
    "Organisation",
    "Person",
    "Practice",
    "PracticeAuthor",
    "PracticeTag",
    "PracticeVersion",
    "Question",
    "RateLimitHit",
    "WebSession",
    "Webhook",
]
