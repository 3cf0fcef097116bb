import pytest
from django.contrib.auth import get_user_model

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from consents.choices import Origin
from consents.services import ChangeOrigin


@pytest.fixture
def origin() -> ChangeOrigin:
    return ChangeOrigin(kind=Origin.SYSTEM, reference="test")


def _role_client(client, role: str):
    user, _password = user_with_role(username=role.lower(), role=role)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def admin_role_client(client, db):
    return _role_client(client, ADMIN)


@pytest.fixture
def marketer_client(client, db):
    return _role_client(client, MARKETER)


@pytest.fixture
def staff_client(client, db):
    return _role_client(client, STAFF)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")
