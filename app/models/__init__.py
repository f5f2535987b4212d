"""All models, imported here so Alembic and the app see one metadata."""
from app.models.forum import (
    Answer,
    Category,
    Notification,
    Tag,
    Thread,
    ThreadEvent,
    ThreadStatus,
    Visibility,
    Vote,
    thread_tags,
)
from app.models.events import DomainEvent
from app.models.moderation import (
    AuditEntry,
    Flag,
    FlagReason,
    HouseRules,
    RecentPost,
    ReviewItem,
    ReviewKind,
    Sanction,
    SanctionKind,
    UserReport,
    UserReportReason,
    WatchedWord,
    WatchedWordMode,
    post_key,
    user_key,
)
from app.models.knowledge import DeflectionEvent, HelpfulVote
from app.models.notifications import (EmailConfirmation, MailMessage, MilestoneNotice, NotificationPreference,
                                      ThreadFollow, UsedToken)
from app.models.reputation import BadgeAward, ReputationEvent, VisitDay
from app.models.search import SearchDocument, SearchOutbox, SearchWord
from app.models.semantic import ThreadVector
from app.models.staff import (
    Announcement,
    CannedReply,
    Department,
    StaffNote,
    StaffRequest,
    announcement_categories,
    department_members,
)
from app.models.user import STAFF_ROLES, ApiToken, LoginSession, Role, User

__all__ = [
    "AuditEntry", "Flag", "FlagReason", "HouseRules", "RecentPost", "ReviewItem", "ReviewKind", "Sanction",
    "SanctionKind", "UserReport", "UserReportReason", "WatchedWord", "WatchedWordMode", "post_key", "user_key",
    "Announcement", "Answer", "BadgeAward", "ReputationEvent", "VisitDay", "ApiToken", "CannedReply", "Category", "DeflectionEvent", "Department", "DomainEvent", "HelpfulVote",
    "LoginSession", "Notification", "Role", "STAFF_ROLES",
    "SearchDocument", "SearchOutbox", "SearchWord", "StaffNote", "StaffRequest", "Tag", "Thread", "ThreadEvent", "ThreadStatus", "ThreadVector", "User", "Visibility", "Vote",
    "announcement_categories", "department_members", "thread_tags",
    "EmailConfirmation", "MailMessage", "MilestoneNotice", "NotificationPreference", "ThreadFollow", "UsedToken",
]
