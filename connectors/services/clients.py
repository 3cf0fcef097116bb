"""Building the API clients from the connector's settings, and consents in the wire format."""

import time
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache

from connectors.iletimerkezi.client import IletiMerkeziClient
from connectors.iys.auth import Token
from connectors.iys.client import IysClient
from connectors.iys.limits import RequestLimiter, shared_limiter
from connectors.models import IysConnector
from connectors.services.guard import iys_answer_record
from consents.dates import format_iys_date
from consents.models import Consent


class CacheTokenStore:
    """The İYS token shared by every worker through the cache (İYS limits token requests)."""

    def __init__(self, key: str):
        self.key = key

    def get(self) -> Token | None:
        found = cache.get(self.key)
        return Token(**found) if isinstance(found, dict) else None

    def set(self, token: Token | None) -> None:
        if token is None:
            cache.delete(self.key)
        else:
            lifetime = int(token.refresh_expires_at - time.time())
            cache.set(self.key, vars(token), timeout=max(1, lifetime))

    def paused_until(self) -> float:
        return float(cache.get(f"{self.key}:paused") or 0)

    def pause(self, until: float) -> None:
        cache.set(f"{self.key}:paused", until, timeout=max(1, int(until - time.time())))


def iys_rate_limiter(connector: IysConnector) -> RequestLimiter:
    """The limiter every worker shares: in Redis when there is one (İYS counts per IP)."""
    uri = getattr(settings, "IYS_RATE_LIMIT_STORAGE", "") or settings.REDIS_URL or "memory://"
    return shared_limiter(uri, f"iys-limits:{connector.base_url}")


def iys_client(connector: IysConnector) -> IysClient:
    options = getattr(settings, "IYS_CLIENT_OPTIONS", {})
    return IysClient(base_url=connector.base_url, iys_code=connector.iys_code,
                     brand_code=connector.brand_code, username=connector.username,
                     password=connector.password,
                     token_store=CacheTokenStore(
                         f"iys-token:{connector.pk}:{connector.base_url}:{connector.username}"),
                     rate_limiter=iys_rate_limiter(connector), on_answer=iys_answer_record,
                     **options)


def iletimerkezi_client(connector: IysConnector) -> IletiMerkeziClient:
    return IletiMerkeziClient(base_url=connector.iletimerkezi_url, key=connector.iletimerkezi_key,
                              hash=connector.iletimerkezi_hash, brand_code=connector.brand_code)


class Outgoing(NamedTuple):
    """A consent as far as sending it goes: its facts (those of consents.rules.ConsentFacts)
    and id. The push reads thousands at a time: a model instance per row (its fields, signals,
    timestamps) cost more than the sending itself, and a frozen dataclass still a tenth of it;
    a tuple is made from the database row in one call."""

    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str
    consent_date: datetime | None
    pk: int


def consent_wire(consent: Consent | Outgoing) -> dict[str, Any]:
    """A consent as İYS and iletiMerkezi expect it."""
    item: dict[str, Any] = {"recipient": consent.recipient,
                            "recipientType": consent.recipient_type,
                            "type": consent.type, "status": consent.status}
    if consent.source:
        item["source"] = consent.source
    if consent.consent_date:
        item["consentDate"] = format_iys_date(consent.consent_date)
    return item
