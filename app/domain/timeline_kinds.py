"""The kinds of event a thread's timeline records.

One vocabulary for the services that write the timeline and the rules that
read it (metrics, the staff queue), so the two cannot drift apart by a typo.
Members are strings, so they compare equal to the kinds stored in the database.
"""

from enum import StrEnum


class EventKind(StrEnum):
    CREATED = "created"
    ANSWERED = "answered"
    ESCALATED = "escalated"
    ACCEPTED = "accepted"
    UNACCEPTED = "unaccepted"
    RESOLUTION_CONFIRMED = "resolution_confirmed"
    REOPENED = "reopened"
    AUTO_RESOLVED = "auto_resolved"
    CLOSED = "closed"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    DEPARTMENT_ESCALATED = "department_escalated"
    DEPARTMENT_RETURNED = "department_returned"
    DEFLECTED = "deflected"
    EDITED = "edited"


# A thread is resolved by any of these until a later REOPENED; an unaccept
# after resolution is recorded as REOPENED, so UNACCEPTED alone changes nothing.
RESOLVING_KINDS = frozenset({EventKind.ACCEPTED, EventKind.RESOLUTION_CONFIRMED, EventKind.AUTO_RESOLVED})
