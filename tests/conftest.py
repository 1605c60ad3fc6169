import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings

from registers.models import RatingScale, Register
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER

PASSWORD = "correct-horse-battery-staple"

# The test runner serves with DEBUG off, where seed_demo wants the demo password given.
os.environ.setdefault("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


# Production hashing is slow on purpose; the tests sign in hundreds of times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def empty_cache():
    # Each test's database starts again from the same stamps: so does the cache.
    from django.core.cache import cache

    cache.clear()


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def risk_officer(db):
    return make_user("rita", RISK_OFFICER, last_name="Officer")


@pytest.fixture
def chief_officer(db):
    return make_user("charles", CHIEF_OFFICER, last_name="Chief")


@pytest.fixture
def pcc_staff(db):
    return make_user("priya", PCC_STAFF, last_name="Staff")


@pytest.fixture
def administrator(db):
    return make_user("ada", None, is_staff=True, is_superuser=True)


@pytest.fixture
def scale(db):
    return RatingScale.objects.get(name="Standard 5x5")


@pytest.fixture
def register(scale):
    # The seeded register when a test also uses `seeded`, else a fresh one like it.
    register, _ = Register.objects.get_or_create(
        slug="corporate",
        defaults={
            "name": "Corporate Risk Register",
            "organisation": "West Midlands Police",
            "protective_marking": "OFFICIAL",
            "rating_scale": scale,
        },
    )
    return register


def _seed() -> None:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("seed_demo", allow_production=True, stdout=io.StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed data once into the test database; each test rolls back its own changes."""
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture
def seeded(db):
    """The seed documents' records and demo users, exactly as `make run` loads them.

    Loaded once per session; loaded again after a transactional (browser) test has
    flushed the database.
    """
    if not Register.objects.filter(slug="corporate").exists():
        _seed()


@pytest.fixture
def one_step_close(seeded):
    """The corporate register closing in one step, as a register without sign-off does.

    The demo's register asks for a chief officer's sign-off (tests/riskreg/test_sign_off.py);
    the tests of closing itself, its pack and its publication close it in one step.
    """
    Register.objects.filter(slug="corporate").update(requires_sign_off=False)
