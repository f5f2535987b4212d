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
    UNCLAIMED = "unclaimed"
    NOTE_ADDED = "note_added"
    STAFF_REQUESTED = "staff_requested"
    RESOLUTION_PROMPTED = "resolution_prompted"


# Staff-only hand-overs and notes: recorded with internal=True, never shown publicly.
INTERNAL_KINDS = frozenset({EventKind.CLAIMED, EventKind.ASSIGNED, EventKind.UNCLAIMED, EventKind.NOTE_ADDED,
                            EventKind.DEPARTMENT_ESCALATED, EventKind.DEPARTMENT_RETURNED})


# A thread is resolved by any of these until a later REOPENED; an unaccept
# after resolution is recorded as REOPENED, so UNACCEPTED alone changes nothing.
RESOLVING_KINDS = frozenset({EventKind.ACCEPTED, EventKind.RESOLUTION_CONFIRMED, EventKind.AUTO_RESOLVED})
