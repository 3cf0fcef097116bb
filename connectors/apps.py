from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = _("Connectors")

    def ready(self) -> None:
        # consents/ asks this policy whether a consent goes to İYS; it never imports us.
        from connectors.services.policy import ConnectorPolicy
        from consents.policy import delivery_policy_register

        delivery_policy_register(ConnectorPolicy())
