"""Signals the consent writers send inside their transaction, for listeners that must record
something atomically with the change (e.g. the webhooks app's outbox). Consents imports no
listener: listeners connect to these at start-up.

- ``consents_changed``: new consents were recorded. ``consents`` is a list of objects with
  ``pk``, ``recipient``, ``recipient_type``, ``type``, ``status``, ``source``,
  ``consent_date``, ``iys_state`` and the contact (``contact_id`` or ``contact.pk``):
  ``Consent`` rows from consent_apply, ``consents.bulk.ConsentRecord`` from an upload chunk
  (one send per chunk). ``origin`` is the ``ChangeOrigin``.
- ``consents_rejected``: İYS rejected consents. ``updates`` is a list of
  ``consents.delivery.DeliveryUpdate`` (or ``Consent`` rows) in the rejected state.
"""

from django.dispatch import Signal

consents_changed = Signal()
consents_rejected = Signal()
