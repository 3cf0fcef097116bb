"""The İYS vocabulary and our channel permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecipientType(models.TextChoices):
    BIREYSEL = "BIREYSEL", _("Individual (BIREYSEL)")
    TACIR = "TACIR", _("Merchant (TACIR)")


class ConsentType(models.TextChoices):
    MESAJ = "MESAJ", _("Message (SMS)")
    EPOSTA = "EPOSTA", _("E-mail")
    ARAMA = "ARAMA", _("Call")


class ConsentStatus(models.TextChoices):
    ONAY = "ONAY", _("Approved (ONAY)")
    RET = "RET", _("Rejected (RET)")


class ConsentSource(models.TextChoices):
    HS_FIZIKSEL_ORTAM = "HS_FIZIKSEL_ORTAM", _("Physical medium")
    HS_ISLAK_IMZA = "HS_ISLAK_IMZA", _("Wet-ink signature")
    HS_WEB = "HS_WEB", _("Web site")
    HS_CAGRI_MERKEZI = "HS_CAGRI_MERKEZI", _("Call centre")
    HS_SOSYAL_MEDYA = "HS_SOSYAL_MEDYA", _("Social media")
    HS_EPOSTA = "HS_EPOSTA", _("E-mail")
    HS_MESAJ = "HS_MESAJ", _("Message")
    HS_MOBIL = "HS_MOBIL", _("Mobile app")
    HS_EORTAM = "HS_EORTAM", _("Electronic medium")
    HS_ETKINLIK = "HS_ETKINLIK", _("Event")
    HS_2015 = "HS_2015", _("Before 2015 (HS_2015)")
    HS_ATM = "HS_ATM", _("ATM")
    HS_KARAR = "HS_KARAR", _("Administrative or judicial ruling")


class IysState(models.TextChoices):
    LOCAL = "local", _("Not for İYS (local only)")
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent, waiting for İYS")
    ACCEPTED = "accepted", _("Accepted by İYS")
    REJECTED = "rejected", _("Rejected by İYS")
    # A RET (or, in Sync mode, any consent) whose fate depends on what İYS holds: the push
    # asks İYS first, then sends it or keeps it here.
    CHECK = "check", _("Waiting for İYS to be asked")
    # A newer consent of the same recipient and type came before this one was sent: it never
    # goes to İYS.
    SUPERSEDED = "superseded", _("Superseded before sending")


class IysHeld(models.TextChoices):
    """What the hub knows İYS holds for a channel's individual (BIREYSEL) record."""

    ONAY = "ONAY", _("ONAY")
    RET = "RET", _("RET")
    NOTHING = "", _("Nothing known")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CALL = "call", _("Call")


class Permission(models.TextChoices):
    OPT_IN = "opt_in", _("Opt-in")
    OPT_OUT = "opt_out", _("Opt-out")


class Origin(models.TextChoices):
    UPLOAD = "upload", _("Contact upload")
    API = "api", _("API call")
    IYS_PULL = "iys_pull", _("İYS pull")
    ADMIN = "admin", _("Admin edit")
    SYSTEM = "system", _("System")


# A consent in one of these states may still reach İYS: the channel is "pending".
OPEN_STATES = (IysState.PENDING, IysState.CHECK, IysState.SENT)

CHANNEL_OF_TYPE = {
    ConsentType.EPOSTA: Channel.EMAIL,
    ConsentType.MESAJ: Channel.SMS,
    ConsentType.ARAMA: Channel.CALL,
}
TYPE_OF_CHANNEL = {channel: type_ for type_, channel in CHANNEL_OF_TYPE.items()}
PERMISSION_OF_STATUS = {
    ConsentStatus.ONAY: Permission.OPT_IN,
    ConsentStatus.RET: Permission.OPT_OUT,
}
