"""Demo data for `make run`: a small, believable support community in every state."""
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from app import clock
from app.extensions import db
from app.models import BadgeAward, Category, Department, Thread, ThreadStatus, User, VisitDay
from app.services import accounts, badges, canned_replies, posting, resolution, resolution_check, sla, staff_queue, \
    trust, voting

DEMO_PASSWORD = "peerdesk-demo-2026"

CATEGORIES = [
    ("billing", "Billing & invoices", "Invoices, payment methods, refunds and plans.", 240, 120),
    ("printers", "Printers & scanners", "Setting up, connecting and troubleshooting devices.", 240, 120),
    ("account", "Account & login", "Sign-in problems, two-factor, profile settings.", 120, 60),
    ("shipping", "Shipping & delivery", "Orders, tracking, returns and damaged parcels.", 480, 240),
    ("mobile-app", "Mobile app", "The iOS and Android companion app.", 240, 120),
    ("integrations", "Integrations & API", "Connecting Peerdesk products to other tools.", 720, 240),
]
DEPARTMENTS = [("billing", "Billing"), ("technical", "Technical"), ("shipping", "Shipping")]
STAFF = [("admin", "admin"), ("sam.staff", "staff"), ("tara.staff", "staff"), ("mia.mod", "moderator")]
MEMBERS = ["alice", "bob", "carla", "dmitri", "elena", "farid", "greta", "hiro", "ines", "jonas", "kemal", "lena"]

QUESTIONS = {
    "billing": [
        ("Invoice shows VAT twice after plan upgrade", "After upgrading to the Pro plan my last invoice lists VAT on the base price **and** on the upgrade. Is this a known problem?", "invoice, vat"),
        ("How do I change the credit card for my subscription?", "My card expires next month. Where can I replace it without losing the discount?", "payment, subscription"),
        ("Refund for a double charge", "I was charged twice on 3 November for the same order. How long does a refund take?", "refund"),
        ("Rechnung als PDF herunterladen", "Wo finde ich meine Rechnungen als PDF? Im Kundenkonto sehe ich nur die letzte Rechnung.", "rechnung, pdf"),
        ("Can I get invoices with my company address?", "We need the company name and VAT ID on every invoice for our accounting.", "invoice, company"),
        ("Annual plan: is the discount applied automatically?", "I switched from monthly to annual but the price looks the same.", "subscription, discount"),
        ("Payment failed with error code 402", "Checkout says *payment failed (402)* although the card works elsewhere.", "payment, error"),
        ("Zahlung per SEPA-Lastschrift möglich?", "Kann ich statt Kreditkarte per SEPA-Lastschrift bezahlen?", "payment, sepa"),
    ],
    "printers": [
        ("Printer shows error E42 after firmware update", "Since the update last night my P200 shows **E42** and refuses to print. Restarting did not help.", "p200, firmware, error"),
        ("Scanner not found on Windows 11", "The S10 scanner is connected via USB but the scan app says *no device found*.", "s10, windows"),
        ("Wi-Fi setup fails at step 3", "The printer finds my network but the password step times out every time.", "wifi, setup"),
        ("Drucker druckt nur leere Seiten", "Mein P100 zieht das Papier ein, aber die Seiten bleiben leer. Patronen sind neu.", "p100, druckqualität"),
        ("Printing from macOS is very slow", "Each page takes about two minutes to start printing from a Mac.", "macos, performance"),
        ("Paper jam message but no paper inside", "The display says paper jam, I opened every tray and there is nothing.", "paper-jam"),
        ("Duplex printing option missing", "The driver does not offer two-sided printing although the printer supports it.", "driver, duplex"),
        ("Scan to e-mail stopped working", "Scan to e-mail worked for a year; since Monday it says SMTP error.", "scan, email"),
    ],
    "account": [
        ("Locked out after enabling two-factor", "I enabled 2FA and then lost my phone. How do I get back in?", "2fa, login"),
        ("Password reset e-mail never arrives", "I requested three reset links; nothing in inbox or spam.", "password, email"),
        ("How do I delete my account?", "I would like my account and data removed.", "privacy, gdpr"),
        ("Anmeldung mit Google schlägt fehl", "Beim Login mit Google kommt nur eine weiße Seite.", "login, google"),
        ("Change the e-mail address of my account", "I moved to a new company address; can I keep my history?", "email, profile"),
        ("Session expires every few minutes", "I get logged out constantly while working in the portal.", "session"),
        ("Two accounts with the same e-mail?", "I seem to have two accounts; can they be merged?", "merge"),
    ],
    "shipping": [
        ("Parcel marked delivered but not received", "Tracking says delivered yesterday, nothing at the door or with neighbours.", "tracking, lost"),
        ("How do I return a damaged printer?", "The box arrived crushed and the printer has a cracked lid.", "returns, damaged"),
        ("Lieferzeit nach Österreich", "Wie lange dauert der Versand nach Österreich ungefähr?", "lieferung, austria"),
        ("Can I change the delivery address after ordering?", "I ordered to my office by mistake.", "address"),
        ("Tracking number does not work", "The carrier site says the tracking number is unknown.", "tracking"),
        ("Missing power cable in the box", "My new scanner came without a power cable.", "missing-parts"),
        ("Express shipping still not here after 4 days", "I paid for express; the order is still in transit.", "express"),
    ],
    "mobile-app": [
        ("App crashes when opening the scan tab", "Android 15, app version 4.2. It crashes as soon as I tap Scan.", "android, crash"),
        ("Push notifications stopped", "I no longer get notifications when a print job finishes.", "ios, notifications"),
        ("App zeigt den Drucker nicht an", "Die App findet meinen Drucker im WLAN nicht, der PC schon.", "wlan, app"),
        ("Dark mode in the app?", "Is there a dark mode? The white screen is very bright at night.", "feature-request"),
        ("Cannot log in with Face ID after update", "Face ID login fails since the iOS update; password works.", "ios, login"),
        ("Battery drain from the companion app", "The app uses 20% of my battery in the background.", "battery"),
        ("Sync between tablet and phone", "Documents scanned on the tablet don't show up on the phone.", "sync"),
    ],
    "integrations": [
        ("API returns 401 with a fresh token", "I create a token and the next call returns 401. Headers look right.", "api, auth"),
        ("Webhook retries flood our endpoint", "After one outage we received thousands of retries.", "webhooks"),
        ("Export print statistics to CSV", "Is there a way to export monthly print counts?", "export, csv"),
        ("Zapier integration missing triggers", "The Zapier app only offers one trigger; we need 'job finished'.", "zapier"),
        ("Rate limits of the REST API", "What are the rate limits and how are they reported?", "api, rate-limit"),
        ("SSO with Azure AD", "Can we use our Azure AD for single sign-on?", "sso, azure"),
        ("Python SDK on Python 3.13", "Does the SDK support Python 3.13?", "sdk, python"),
    ],
}

ANSWERS = [
    "I had exactly this last week. Unplug the device for **30 seconds**, then hold the reset button while plugging it back in. That fixed it for me.",
    "Check the settings page under *Account → Billing*. There is a small link at the bottom that does exactly this.",
    "Same problem here. Following this thread.",
    "This is usually caused by an outdated driver. Download the newest one from the support site and reinstall:\n\n1. Uninstall the old driver\n2. Restart\n3. Install the new one",
    "Bei mir hat ein Neustart des Routers geholfen. Danach wurde das Gerät sofort gefunden.",
    "You can also contact the carrier directly with the tracking number; they often know more than the shop.",
    "Have a look at the FAQ, there is a section about this. In short: it takes 3–5 business days.",
]
CANNED_REPLIES = [
    ("Known issue, fix rolling out", "Hello {asker}, thank you for reporting “{thread_title}”. This is a known issue "
     "and a fix is rolling out today. Until then, restarting the device works around it."),
    ("Need more details", "Hello {asker}, to look into “{thread_title}” we need a little more: the device model, "
     "the firmware version and a photo of the error message."),
    ("Handed to billing", "Hello {asker}, I have passed “{thread_title}” to our billing team; they will answer here "
     "within one business day."),
]
DEPARTMENT_MEMBERS = {"billing": ["sam.staff"], "technical": ["tara.staff", "sam.staff"], "shipping": ["tara.staff"]}
STAFF_ANSWERS = [
    "Thanks for reporting this. We identified the cause and a fix is rolling out today. Until then, please use the workaround above. Does this solve your problem?",
    "I have checked your account and corrected it on our side. You should see the change within an hour. Please let us know if it is solved.",
]


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def _user(username: str, role: str) -> User:
    return accounts.register(accounts.Registration(username, f"{username}@example.com", DEMO_PASSWORD, role=role))


def load(seed: int = 7) -> str:
    """Create the demo community; times are spread over the last three weeks."""
    rng = random.Random(seed)
    for position, (slug, name, description, sla_minutes, staff_minutes) in enumerate(CATEGORIES):
        db.session.add(Category(slug=slug, name=name, description=description, position=position,
                                sla_minutes=sla_minutes, staff_response_minutes=staff_minutes))
    for slug, name in DEPARTMENTS:
        db.session.add(Department(slug=slug, name=name))
    db.session.commit()
    staff = [_user(name, role) for name, role in STAFF]
    members = [_user(name, "member") for name in MEMBERS]
    by_name = {user.username: user for user in staff}
    for department in db.session.scalars(select(Department)):
        department.members = [by_name[name] for name in DEPARTMENT_MEMBERS.get(department.slug, [])]
    for title, body in CANNED_REPLIES:
        canned_replies.save(by_name["admin"], title, body)
    real_now = datetime.now(timezone.utc)
    moment = real_now - timedelta(days=21)
    frozen = clock.FrozenClock(moment)
    questions = [(slug, *item) for slug, items in QUESTIONS.items() for item in items]
    rng.shuffle(questions)
    try:
        for index, (slug, title, body, tags) in enumerate(questions):
            frozen.set(moment + timedelta(hours=index * 11 + rng.randint(0, 5)))
            asker = rng.choice(members)
            thread = posting.ask(asker, posting.QuestionDraft(title, body, slug, tags))
            _play_out(rng, frozen, thread, asker, members, staff[1:3], real_now)
    finally:
        clock.reset()
    for user in staff + members:
        user.created_at = moment
    trust.recompute_all()
    sla.run_scheduled_work()
    _visits_and_views(rng, members, real_now)
    badges.backfill()
    awarded = db.session.scalar(select(func.count(BadgeAward.id)))
    return (f"Loaded {len(CATEGORIES)} categories, {len(DEPARTMENTS)} departments, "
            f"{len(staff) + len(members)} users, {len(questions)} threads and {awarded} badges. "
            f"Every demo account uses the password {DEMO_PASSWORD!r}: "
            + ", ".join(f"{name} ({role})" for name, role in STAFF) + ", members " + ", ".join(MEMBERS) + ".")


def _play_out(rng, frozen, thread, asker, members, staff, real_now) -> None:
    """Give a thread a believable history: some stay unanswered, some end resolved."""
    fate = rng.random()
    if fate < 0.15:
        return
    if fate < 0.35:
        _staff_case(rng, frozen, thread, asker, staff, real_now)
        return
    helpers = [member for member in members if member.id != asker.id]
    answers = []
    for _ in range(rng.randint(1, 4)):
        if frozen.advance(minutes=rng.randint(10, 300)) >= real_now:
            return
        answers.append(posting.answer(rng.choice(helpers), thread, rng.choice(ANSWERS)))
    for post in answers:
        for voter in rng.sample(helpers, 3):
            if voter.id != post.author_id:
                voting.vote_answer(voter, post, rng.choice((1, 1, 1, -1)))
    if fate > 0.75 and frozen.advance(minutes=rng.randint(60, 600)) < real_now:
        answers.append(posting.answer(rng.choice(staff), thread, rng.choice(STAFF_ANSWERS)))
    if fate > 0.5 and frozen.advance(minutes=rng.randint(30, 900)) < real_now:
        resolution.accept(asker, thread, rng.choice(answers).id)


def _staff_case(rng, frozen, thread, asker, staff, real_now) -> None:
    """Nobody from the community answered: the sweep escalates, staff answer, the asker replies."""
    frozen.set(thread.sla_due_at + timedelta(minutes=rng.randint(1, 30)))
    if frozen.current >= real_now:
        return
    sla.escalate_overdue_threads()
    agent = rng.choice(staff)
    if frozen.advance(minutes=rng.randint(5, 90)) >= real_now:
        return
    staff_queue.claim(agent, thread.id)
    if rng.random() < 0.3 and frozen.advance(minutes=rng.randint(5, 60)) < real_now:
        staff_queue.escalate_to_department(agent, thread.id, rng.choice(DEPARTMENTS)[0],
                                           "Customer needs an account-level check.")
    if frozen.advance(minutes=rng.randint(20, 240)) >= real_now:
        return
    thread = db.session.get(Thread, thread.id)
    posting.answer(agent, thread, rng.choice(STAFF_ANSWERS))
    if frozen.advance(minutes=rng.randint(30, 900)) >= real_now:
        return
    reply = rng.random()
    if reply < 0.6:
        resolution_check.confirm_solved(asker, thread)
    elif reply < 0.8:
        resolution_check.report_not_solved(asker, thread, "Still happening after the update.")


def _visits_and_views(rng, members, real_now) -> None:
    """History the services cannot replay: days members visited (some daily) and popular solved questions.

    Written directly, then `badges.backfill()` awards what they earned
    (Regular, Knowledge Builder), dated when it was earned.
    """
    for member in members:
        joined = real_now - timedelta(days=rng.randint(50, 400))
        db.session.execute(update(User).where(User.id == member.id).values(created_at=joined))
        for offset in sorted(rng.sample(range(45), rng.choice((5, 12, 20, 34, 41)))):
            seen = real_now - timedelta(days=offset)
            db.session.add(VisitDay(user_id=member.id, day=seen.date(), first_seen_at=seen))
    resolved = list(db.session.scalars(select(Thread.id).where(Thread.status == ThreadStatus.RESOLVED.value)
                                       .order_by(Thread.id)))
    for thread_id in rng.sample(resolved, min(3, len(resolved))):
        db.session.execute(update(Thread).where(Thread.id == thread_id).values(view_count=rng.randint(1000, 2400)))
    db.session.commit()
