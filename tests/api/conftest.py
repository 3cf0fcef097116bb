import json

import pytest

from api.limits import rate_limits_reset
from tests.api.factories import ApiKeyFactory


class ApiClient:
    def __init__(self, client, raw_key: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {raw_key}"}

    def post_consent(self, body, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post("/api/v1/consents", data=data, content_type="application/json",
                                headers={**self.headers, **headers})

    def get_contact(self, identifier: str, **headers):
        return self.client.get(f"/api/v1/contacts/{identifier}",
                               headers={**self.headers, **headers})


@pytest.fixture
def api_key(db):
    return ApiKeyFactory()


@pytest.fixture
def api(client, api_key) -> ApiClient:
    return ApiClient(client, api_key.raw_key)


@pytest.fixture(autouse=True)
def rate_limits_forgotten():
    """Each test starts with no request counted against the API's rate limits."""
    rate_limits_reset()
    yield
    rate_limits_reset()
