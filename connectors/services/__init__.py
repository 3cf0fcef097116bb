"""The connector's services: the push policy, settings, and the four İYS jobs."""

from connectors.services.policy import (
    KNOWN_TO_IYS,
    connector_configure,
    connector_settings_saved,
    iys_delivery_state,
)

__all__ = ["KNOWN_TO_IYS", "connector_configure", "connector_settings_saved",
           "iys_delivery_state"]
