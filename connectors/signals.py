"""Signals the connector sends, for listeners such as the webhooks app's outbox.

- ``connector_blocked``: the push stopped (``reason``), sent in the transaction that stores it.
"""

from django.dispatch import Signal

connector_blocked = Signal()
