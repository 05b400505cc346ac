"""All tables; importing this package registers them on ``Base.metadata``."""

from storage.models.accounts import Account, ApiToken, AuditEntry, WebSession
from storage.models.directory import Community, CommunityMember, Organisation, Person
from storage.models.limits import RateLimitHit
from storage.models.network import Answer, Application, Feedback, KnowledgeGap, Question
from storage.models.outreach import Follow, Job, Notification
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
    "Feedback",
    "Follow",
    "IndexTask",
    "Job",
    "KnowledgeGap",
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
]
