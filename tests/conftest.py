import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registers.models import RatingScale, Register
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production hashing is slow on purpose; the tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def seeded(db):
    """The seed documents' records and demo users, exactly as `make run` loads them."""
    from django.core.management import call_command

    call_command("seed_demo", allow_production=True, stdout=open("/dev/null", "w"))
