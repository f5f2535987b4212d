"""`flask users create` and `flask seed demo` as an operator uses them."""
from app.extensions import db
from app.models import Thread, ThreadStatus, User


def test_users_create_with_password_on_stdin(runner, app):
    result = runner.invoke(args=["users", "create", "root", "--email", "root@example.com", "--role", "admin",
                                 "--password-stdin"], input="a-long-enough-pass\n")
    assert result.exit_code == 0, result.output
    assert "Created admin root" in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "root"))
        assert user.is_admin and user.check_password("a-long-enough-pass")


def test_users_create_prompts_for_password(runner, app):
    result = runner.invoke(args=["users", "create", "sam", "--email", "sam@example.com", "--role", "staff"],
                           input="a-long-enough-pass\na-long-enough-pass\n")
    assert result.exit_code == 0, result.output


def test_users_create_reports_bad_input(runner):
    result = runner.invoke(args=["users", "create", "x", "--email", "nope", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "username:" in result.output and "email:" in result.output and "password:" in result.output


def test_seed_demo_builds_every_state_once(runner, app):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = set(db.session.scalars(db.select(Thread.status)))
        assert db.session.scalar(db.select(db.func.count(Thread.id))) >= 40
        roles = set(db.session.scalars(db.select(User.role)))
    assert {ThreadStatus.UNANSWERED.value, ThreadStatus.ANSWERED.value, ThreadStatus.RESOLVED.value} <= statuses
    assert roles == {"member", "staff", "moderator", "admin"}
    again = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert "not loaded" in again.output
