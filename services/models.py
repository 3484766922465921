"""What customers have contracted: services identified by their reference, and their endpoints."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation


class Product(models.TextChoices):
    """Product kinds, named as in OVH's support API (``support.TicketProductEnum``)."""

    DEDICATED = "dedicated", _("Dedicated server")
    VPS = "vps", _("VPS")
    DEDICATEDCLOUD = "dedicatedcloud", _("Hosted private cloud")
    PUBLICCLOUD = "publiccloud", _("Public cloud")
    HOSTING = "hosting", _("Web hosting")
    DOMAIN = "domain", _("Domain name")
    MAIL = "mail", _("E-mail")
    EXCHANGE = "exchange", _("Exchange")
    SSL = "ssl", _("SSL certificate")
    CDN = "cdn", _("CDN")
    STORAGE = "storage", _("Storage")
    NETWORK = "network", _("Network")
    HOUSING = "housing", _("Housing")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")
    DEACTIVATED = "deactivated", _("No longer active")


class Service(models.Model):
    """A contracted service, named by its reference (``ns123456.ip-51-75-1.eu``, ``example.com``).

    ``host_node``, ``rack`` and ``network_segment`` say where it runs, so failures of
    services behind the same piece of infrastructure can be grouped into one outage.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="services"
    )
    reference = models.CharField(_("service reference"), max_length=255)
    product = models.CharField(_("product"), max_length=32, choices=Product.choices)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    datacentre = models.CharField(_("datacentre"), max_length=32, blank=True)
    host_node = models.CharField(_("host"), max_length=100, blank=True, db_index=True)
    rack = models.CharField(_("rack"), max_length=100, blank=True, db_index=True)
    network_segment = models.CharField(_("network segment"), max_length=100, blank=True, db_index=True)
    in_production = models.BooleanField(_("in production"), default=True)
    external_id = models.CharField(
        _("provider's identifier"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The identifier of this service in the provider's own systems."),
    )
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(Lower("reference"), name="services_service_reference_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        self.reference = self.reference.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_deactivated(self) -> bool:
        """Gone from the provider's data: kept for its tickets, never named by a new one."""
        return self.status == ServiceStatus.DEACTIVATED


class EndpointRole(models.TextChoices):
    SERVER = "server", _("Server")
    WEB = "web", _("Web")
    DNS = "dns", _("DNS")
    MAIL = "mail", _("Mail")


class Endpoint(models.Model):
    """A host name or IP address of a service, and the ports the desk may check."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="endpoints")
    host = models.CharField(_("host or IP address"), max_length=255)
    ports = models.JSONField(_("ports"), default=list, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=EndpointRole.choices, default=EndpointRole.SERVER)

    class Meta:
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")
        constraints = [
            models.UniqueConstraint(fields=["service", "host", "role"], name="services_endpoint_unique"),
        ]

    def __str__(self) -> str:
        ports = ",".join(str(p) for p in self.ports)
        return f"{self.host} [{self.role}{':' + ports if ports else ''}]"
