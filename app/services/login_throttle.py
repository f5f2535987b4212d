"""Per-account login throttling with exponential back-off, shared by every process through one counter store.

The per-address limit alone let 40 wrong passwords from 40 addresses reach
one account. Here each account (or, for a name nobody has, the name typed,
so both answer alike) gets `free_attempts` tries; after that every further
try waits for the previous one to have failed and for a back-off that
doubles with each failure (2 s, 4 s, … up to 15 minutes). A success starts
afresh. Concurrent tries are counted before the password is checked, so
sending 40 at once gets no more than the free ones through.

The counters live in Flask-Limiter's storage (the `limits` library):
memory in one process, Redis when RATELIMIT_STORAGE_URI points there, so
every server process sees the same attempts. Decisions use the app clock
(stored as epoch seconds); the store's own expiry only clears old keys.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from limits.storage import Storage

from app import clock
from app.services.errors import ServiceError


class TooManyLoginAttempts(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    free_attempts: int = 5
    first_wait: timedelta = timedelta(seconds=2)
    longest_wait: timedelta = timedelta(minutes=15)
    #: How long a run of failures is remembered without a success.
    memory: timedelta = timedelta(hours=24)

    def wait_after(self, attempt: int) -> int:
        """Seconds the next try waits after attempt number `attempt` failed."""
        if attempt < self.free_attempts:
            return 0
        doublings = min(attempt - self.free_attempts, 20)
        return int(min(self.first_wait * 2 ** doublings, self.longest_wait).total_seconds())


class LoginThrottle:
    PREFIX = "peerdesk/login/"

    def __init__(self, storage: Storage, policy: ThrottlePolicy):
        self.storage = storage
        self.policy = policy

    def attempt(self, account: str) -> "Attempt":
        """Reserve a try for `account` or raise TooManyLoginAttempts with the seconds to wait."""
        keep = int(self.policy.memory.total_seconds() + self.policy.longest_wait.total_seconds())
        generation = self.storage.get(f"{self.PREFIX}{account}/generation")
        series = f"{self.PREFIX}{account}/{generation}"
        number = self.storage.incr(f"{series}/attempts", keep)
        if number > self.policy.free_attempts:
            previous_failed_until = self.storage.get(f"{series}/failed/{number - 1}")
            now = int(clock.now().timestamp())
            if previous_failed_until == 0 or now < previous_failed_until:
                self.storage.incr(f"{series}/attempts", keep, amount=-1)
                wait = max(previous_failed_until - now, 1)
                raise TooManyLoginAttempts(_too_many_message(wait), retry_after=wait)
        return Attempt(self, account, series, number, keep)


def _too_many_message(wait: int) -> str:
    return _("Too many failed logins for this account. Try again in %(seconds)d seconds.", seconds=wait)


class Attempt:
    """One reserved try; ends as a success (the slate is wiped) or a failure (the next wait is set)."""

    def __init__(self, throttle: LoginThrottle, account: str, series: str, number: int, keep: int):
        self.throttle, self.account, self.series, self.number, self.keep = throttle, account, series, number, keep
        self.finished = False

    def succeeded(self) -> None:
        self.finished = True
        self.throttle.storage.incr(f"{LoginThrottle.PREFIX}{self.account}/generation", self.keep)

    def failed(self) -> None:
        """Also called for a try that ended in an error, so the next one is never blocked for good."""
        if self.finished:
            return
        self.finished = True
        if self.number >= self.throttle.policy.free_attempts:
            until = int(clock.now().timestamp()) + self.throttle.policy.wait_after(self.number)
            key = f"{self.series}/failed/{self.number}"
            # Only this try owns its number; clearing first drops a value left by a long-expired run.
            self.throttle.storage.clear(key)
            self.throttle.storage.incr(key, self.keep, amount=until)

    def __enter__(self) -> "Attempt":
        return self

    def __exit__(self, *_exc) -> None:
        self.failed()
