"""The kinds of notification, the preference group each belongs to, and the default channel of each group.

A user chooses per group (`NotificationPreference.kind` holds the group):
app (in the app only), email (in the app and by e-mail at once), digest (in
the app and in the daily digest e-mail) or off. The defaults follow issue
#8: e-mail at once for answers to your own question, official staff answers
and the resolution check; everything else in the app and in the digest,
except outage and warning announcements, which nobody hears of unless they
opt in (the banner shows them to everyone anyway).
"""
from flask_babel import lazy_gettext as _l

APP, EMAIL, DIGEST, OFF = "app", "email", "digest", "off"
CHANNELS = (EMAIL, DIGEST, APP, OFF)

#: group → (default channel, label shown on the preferences page)
GROUPS = {
    "answer_to_my_question": (EMAIL, _l("A new answer to my question")),
    "official_answer": (EMAIL, _l("An official staff answer to my question")),
    "resolution_check": (EMAIL, _l("“Did this solve your problem?”")),
    "my_question_status": (DIGEST, _l("My question escalated to staff, resolved or auto-resolved")),
    "followed_threads": (DIGEST, _l("New answers and status changes on questions I follow")),
    "my_answers": (DIGEST, _l("My answer accepted")),
    "mentions": (DIGEST, _l("Someone mentions me")),
    "achievements": (DIGEST, _l("Badges and reputation")),
    "moderation": (DIGEST, _l("Moderation of my posts and account")),
    "staff_work": (DIGEST, _l("Staff: assignments, department hand-overs, breaches, “not solved”")),
    "announcements": (OFF, _l("Outage and warning announcements (off unless you choose)")),
}

#: Groups only staff are shown (members never receive these kinds).
STAFF_GROUPS = frozenset({"staff_work"})

#: notification kind → preference group
GROUP_OF = {
    "answered": "answer_to_my_question",
    "staff_answered": "official_answer",
    "resolution_check": "resolution_check",
    "escalated": "my_question_status",
    "resolved": "my_question_status",
    "auto_resolved": "my_question_status",
    "closed": "my_question_status",
    "staff_requested": "my_question_status",
    "followed_answer": "followed_threads",
    "followed_status": "followed_threads",
    "answer_accepted": "my_answers",
    "mentioned": "mentions",
    "badge_awarded": "achievements",
    "reputation_milestone": "achievements",
    "post_hidden": "moderation",
    "user_sanctioned": "moderation",
    "assigned": "staff_work",
    "department_escalated": "staff_work",
    "department_returned": "staff_work",
    "staff_target_breached": "staff_work",
    "not_solved": "staff_work",
    "announcement": "announcements",
}


def default_channel(kind: str) -> str:
    return GROUPS[GROUP_OF.get(kind, "my_question_status")][0]
