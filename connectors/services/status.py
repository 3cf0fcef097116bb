"""What the settings page shows, and its "test connection" button."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from connectors.iletimerkezi.client import IletiMerkeziBlocked, IletiMerkeziError
from connectors.iys.errors import IysError
from connectors.models import IysConnector
from connectors.services.clients import iletimerkezi_client, iys_client
from connectors.services.push import deadline_soon_count
from consents.choices import IysState
from consents.models import Consent


@dataclass(frozen=True)
class ConnectorCounts:
    waiting: int
    failed: int
    rejected: int
    not_sent: int
    deadline_soon: int


def connector_counts() -> ConnectorCounts:
    """Waiting (queued or sent, no result yet), failed (a try failed, will retry), rejected
    by İYS for good, and not sent (late, unpermitted, unknown to İYS in Sync mode)."""
    counts = Consent.objects.aggregate(
        waiting=Count("pk", filter=Q(iys_state__in=[IysState.PENDING, IysState.SENT])),
        failed=Count("pk", filter=Q(iys_state=IysState.PENDING) & ~Q(iys_error_message="")),
        rejected=Count("pk", filter=Q(iys_state=IysState.REJECTED)),
        # Every consent kept here, as the settings page's link lists them: stored local from
        # the start (late, first RET, not permitted) or held back by a push.
        not_sent=Count("pk", filter=Q(iys_state=IysState.LOCAL)),
    )
    return ConnectorCounts(deadline_soon=deadline_soon_count(), **counts)


def _redis_down() -> str:
    return _("Redis, which keeps the İYS token and the request limits, cannot be reached: "
             "start it (or check REDIS_URL) and test again.")


def connector_test(*, connector: IysConnector) -> tuple[bool, str]:
    """Try the credentials of the configured route; a message for the admin, never a secret."""
    if connector.route == IysConnector.Route.ILETIMERKEZI:
        client = iletimerkezi_client(connector)
        try:
            client.consent_create([{}])  # an invalid record: checks access, stores nothing
        except IletiMerkeziBlocked as error:
            return False, _("iletiMerkezi refused: %(error)s") % {"error": error.message}
        except IletiMerkeziError as error:
            if error.status in (400, 422):
                return True, _("iletiMerkezi accepted the API key and hash.")
            return False, _("iletiMerkezi is not reachable: %(error)s") % {
                "error": error.message}
        finally:
            client.session.close()
        return True, _("iletiMerkezi accepted the API key and hash.")
    if not connector.base_url:
        return False, _("Enter the İYS API address first.")
    try:
        client = iys_client(connector)
    except RedisError:
        return False, _redis_down()
    client.max_retries = 1
    try:
        client.auth.invalidate()
        client.login()
    except IysError as error:
        return False, _("İYS refused the connection: %(error)s") % {"error": error.message}
    except RedisError:  # the shared token store and rate limiter live in Redis
        return False, _redis_down()
    finally:
        client.close()
    return True, _("Connected to İYS: the user name and password are accepted.")
