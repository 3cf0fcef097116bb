import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Turkish leaves Turkish active in the test's thread (LocaleMiddleware
    activates, nothing deactivates); later tests expect the default language."""
    yield
    translation.deactivate()
