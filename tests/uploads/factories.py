import factory

from accounts.management.commands.setup_demo import DEMO_ATTRIBUTES
from connectors.models import IysConnector
from consents.models import ProfileAttribute


class IysConnectorFactory(factory.django.DjangoModelFactory):
    """The installed connector (one row, pk 1), in Integrator mode unless told otherwise."""

    class Meta:
        model = IysConnector
        django_get_or_create = ["id"]

    id = 1
    brand_code = "100001"
    iys_code = "100000"
    is_active = True
    integrator_mode = True
    mutabakat_confirmed = True


# The demo attributes `make run` creates, and a push token for the User Upload list.
ATTRIBUTES = [*DEMO_ATTRIBUTES, ("token", "Push token", ProfileAttribute.Type.TEXT)]


def attributes_create() -> None:
    for name, label, type_ in ATTRIBUTES:
        ProfileAttribute.objects.get_or_create(name=name, defaults={"label": label, "type": type_})
