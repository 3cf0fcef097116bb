import factory

from api.models import ApiKey
from api.services import api_key_create


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An API key; the raw key is kept on the instance as ``raw_key`` for tests."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"web-site-{n}")

    @classmethod
    def _create(cls, model_class, *args, name: str, **kwargs):
        api_key, raw_key = api_key_create(name=name)
        api_key.raw_key = raw_key
        return api_key
