"""A demo data set: customers with services, staff for every role, tickets in every state on every level.

Idempotent: run again, it changes nothing and prints the logins.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.actions import create_customer, create_staff
from accounts.models import Role, User
from infogerencia import actions as level3
from infogerencia.models import InterventionType, Quote, QuoteState
from levels.models import Category, Team
from services.models import Endpoint, Service
from tickets import actions
from tickets.models import Channel

DEMO_PASSWORD = "tierdesk-demo"  # noqa: S105 - a demo data set, printed on purpose

# The demo's endpoints are loopback addresses, so automatic triage's probes of a demo service
# never leave the machine (they answer ping: a declared incident shows the guide's ping rule).
CUSTOMERS: list[tuple[Any, ...]] = [
    # identifier, name, e-mail, language, time zone, country, organisation, services
    (
        "lm4321-ovh",
        "Lucía Martín",
        "lucia@example.es",
        "es",
        "Europe/Madrid",
        "ES",
        "Lucía Martín",
        # A TEST-NET-3 address (RFC 5737), never routed: nothing answers ping there, so the desk's
        # checks of Lucía's "server does not answer ping" confirm the outage (journey 1).
        [("ns3012345.ip-51-75-1.eu", "dedicated", "rbx-h12", "rbx-r07", [("203.0.113.11", [22, 80, 443], "server")])],
    ),
    (
        "pg2468-ovh",
        "Pedro García",
        "pedro@example.es",
        "es",
        "Europe/Madrid",
        "ES",
        "Ferretería García SL",
        [
            ("ferreteriagarcia.es", "hosting", "web-cluster-3", "", [("127.0.0.21", [80, 443], "web")]),
            (
                "mail.ferreteriagarcia.es",
                "mail",
                "mx-cluster-1",
                "",
                [("127.0.0.22", [25, 587], "mail")],
            ),
        ],
    ),
    (
        "ar1357-ovh",
        "Ana Ruiz",
        "ana@example.es",
        "es",
        "Atlantic/Canary",
        "ES",
        "Ana Ruiz",
        [("vps-1a2b3c4d.vps.ovh.net", "vps", "gra-h03", "gra-r11", [("127.0.0.31", [22, 80, 443], "server")])],
    ),
    (
        "jn8642-ovh",
        "Jorge Núñez",
        "jorge@example.es",
        "es",
        "Europe/Madrid",
        "ES",
        "Núñez Consultores SL",
        [
            ("ns3098765.ip-51-75-1.eu", "dedicated", "rbx-h12", "rbx-r07", [("127.0.0.12", [22, 80, 443], "server")]),
            ("nunezconsultores.com", "domain", "", "", [("127.0.0.41", [53], "dns")]),
        ],
    ),
    (
        "cs9753-ovh",
        "Carmen Sánchez",
        "carmen@example.es",
        "es",
        "Europe/Madrid",
        "ES",
        "Carmen Sánchez",
        [
            ("carmensanchez.es", "hosting", "web-cluster-3", "", [("127.0.0.23", [80, 443], "web")]),
            ("mail.carmensanchez.es", "mail", "mx-cluster-1", "", [("127.0.0.25", [587], "mail")]),
        ],
    ),
    (
        "cd2020-ovh",
        "Claire Dubois",
        "claire@example.fr",
        "fr",
        "Europe/Paris",
        "FR",
        "Atelier Dubois SARL",
        [("atelier-dubois.fr", "hosting", "web-cluster-5", "", [("127.0.0.24", [80, 443], "web")])],
    ),
    (
        "js3030-ovh",
        "John Smith",
        "john@example.co.uk",
        "en",
        "Europe/London",
        "GB",
        "Smith Analytics Ltd",
        [("vps-9f8e7d6c.vps.ovh.net", "vps", "sbg-h01", "sbg-r02", [("127.0.0.51", [22, 443], "server")])],
    ),
]

STAFF: list[tuple[Any, ...]] = [
    # username, role, first name, last name, language, team codes, superuser
    ("l1.tecnico", Role.L1_TECHNICIAN, "Luis", "Técnico N1", "es", ["l1-incidents"], False),
    ("l2.tecnico", Role.L2_TECHNICAL, "Elena", "Técnica N2", "es", ["l2-technical"], False),
    ("l2.comercial", Role.L2_COMMERCIAL, "Marcos", "Comercial N2", "es", ["l2-commercial"], False),
    ("l3.admin", Role.L3_ADMINISTRATOR, "Sofía", "Administradora N3", "es", ["l3-managed"], False),
    ("supervisora", Role.SUPERVISOR, "Marta", "Supervisora", "es", [], False),
    ("facturacion", Role.BILLING, "Bruno", "Facturación", "es", [], False),
    ("admin", Role.SUPERVISOR, "Admin", "tierdesk", "en", [], True),
]


class Command(BaseCommand):
    help = "Load a demo data set (customers, services, staff and tickets) unless it is already there."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("setup_desk", verbosity=0)
        if User.objects.filter(username="lm4321-ovh").exists():
            self.stdout.write("The demo data set is already loaded; nothing changed.")
        else:
            with transaction.atomic():
                self._load()
            self.stdout.write(self.style.SUCCESS("Loaded the demo data set."))
        self._print_logins()
        self._print_payments()

    def _load(self) -> None:
        customers: dict[str, Any] = {}
        for identifier, name, email, language, tz, country, org_name, services in CUSTOMERS:
            user = create_customer(
                name=name,
                email=email,
                password=DEMO_PASSWORD,
                organisation_name=org_name,
                language=language,
                time_zone=tz,
                country=country,
                identifier=identifier,
            )
            customers[identifier] = user
            organisation: Any = user.organisation
            for reference, product, host_node, rack, endpoints in services:
                service = Service.objects.create(
                    organisation=organisation,
                    reference=reference,
                    product=product,
                    host_node=host_node,
                    rack=rack,
                    datacentre=(host_node or "web")[:3],
                )
                for host, ports, role in endpoints:
                    Endpoint.objects.create(service=service, host=host, ports=ports, role=role)
        staff = {}
        for username, role, first, last, language, teams, superuser in STAFF:
            person = create_staff(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@tierdesk.localhost",
                language=language,
                superuser=superuser,
            )
            for code in teams:
                Team.objects.get(code=code).members.add(person)
            staff[username] = person
        self._tickets(customers, staff)

    def _tickets(self, c: dict[str, Any], s: dict[str, Any]) -> None:
        now = timezone.now()
        cat = {category.code: category for category in Category.objects.all()}

        def svc(reference: str) -> Service:
            return Service.objects.get(reference=reference)

        def open_(
            customer: str,
            reference: str,
            code: str,
            subject: str,
            body: str,
            hours_ago: float,
            channel: str = Channel.MANAGER,
            actor: User | None = None,
        ) -> Any:
            user = c[customer]
            return actions.open_ticket(
                organisation=user.organisation,
                requester=user,
                service=svc(reference),
                category=cat[code],
                subject=subject,
                body=body,
                channel=channel,
                actor=actor or user,
                now=now - timedelta(hours=hours_ago),
            )

        # L1: new, open (claimed and answered), waiting, resolved, closed and scored.
        open_(
            "lm4321-ovh",
            "ns3012345.ip-51-75-1.eu",
            "server_no_ping",
            "El servidor no responde al ping",
            "Desde las 03:00 no puedo acceder por SSH ni por web. Adjunto traceroute.",
            0.5,
        )
        t = open_(
            "js3030-ovh",
            "vps-9f8e7d6c.vps.ovh.net",
            "server_no_ping",
            "VPS unreachable",
            "My VPS stopped answering at 02:10 UTC.",
            3,
        )
        actions.claim_ticket(t, actor=s["l1.tecnico"], now=now - timedelta(hours=2.5))
        actions.reply(t, actor=s["l1.tecnico"], body="We are looking at the host now.", now=now - timedelta(hours=2.4))
        t = open_(
            "jn8642-ovh",
            "ns3098765.ip-51-75-1.eu",
            "server_no_ping",
            "Servidor caído tras reinicio",
            "Tras reiniciar desde el Manager no vuelve a arrancar.",
            20,
        )
        actions.claim_ticket(t, actor=s["l1.tecnico"], now=now - timedelta(hours=19))
        actions.reply(
            t,
            actor=s["l1.tecnico"],
            body="¿Puede indicarnos si modificó el fstab antes de reiniciar?",
            now=now - timedelta(hours=18),
            then="waiting_customer",
        )
        t = open_(
            "cd2020-ovh",
            "atelier-dubois.fr",
            "hosting_unreachable",
            "Site inaccessible",
            "Mon site renvoie une erreur 500 depuis ce matin.",
            30,
        )
        actions.claim_ticket(t, actor=s["l1.tecnico"], now=now - timedelta(hours=29))
        actions.reply(
            t,
            actor=s["l1.tecnico"],
            body="Le serveur web du cluster a été redémarré.",
            now=now - timedelta(hours=28),
            then="resolved",
        )
        t = open_(
            "lm4321-ovh",
            "ns3012345.ip-51-75-1.eu",
            "server_no_ping",
            "Corte de red el lunes",
            "El servidor no respondía al ping esta mañana.",
            200,
        )
        actions.claim_ticket(t, actor=s["l1.tecnico"], now=now - timedelta(hours=199))
        actions.reply(
            t,
            actor=s["l1.tecnico"],
            body="Fallo del switch del rack; sustituido.",
            now=now - timedelta(hours=198),
            then="resolved",
        )
        actions.close_ticket(t, actor=c["lm4321-ovh"], now=now - timedelta(hours=197))
        actions.score_ticket(
            t, actor=c["lm4321-ovh"], score=5, comment="Rápidos y claros.", now=now - timedelta(hours=197)
        )

        # L1 → L2: the mail account that does not send, but the server pings.
        t = open_(
            "pg2468-ovh",
            "mail.ferreteriagarcia.es",
            "mail_cannot_send",
            "La cuenta de correo no envía correos",
            "Desde Outlook me da error al enviar.",
            6,
        )
        actions.transfer_to_assistance(
            t,
            actor=s["l1.tecnico"],
            reason="El servidor responde al ping y el SMTP saluda: no hay indisponibilidad.",
            customer_message="Su servicio funciona; pasamos su consulta al nivel 2 para revisar la configuración de "
            "su cliente de correo. Mientras tanto puede consultar la guía «Configurar una cuenta de correo».",
            now=now - timedelta(hours=5),
        )
        # L2: new, open, waiting; and the question that turned into an incident (L2 → L1).
        open_(
            "cs9753-ovh",
            "carmensanchez.es",
            "install_site",
            "¿Cómo instalo WordPress?",
            "Quisiera instalar WordPress en mi alojamiento.",
            2,
        )
        t = open_(
            "ar1357-ovh",
            "vps-1a2b3c4d.vps.ovh.net",
            "install_site",
            "Instalar WordPress en mi VPS",
            "¿Cómo instalo WordPress en mi VPS?",
            70,
        )
        actions.claim_ticket(t, actor=s["l2.tecnico"], now=now - timedelta(hours=40))
        actions.open_incident_from(
            t,
            actor=s["l2.tecnico"],
            reason="Al revisar el VPS vemos que no responde: abrimos una incidencia de nivel 1.",
            category=cat["server_no_ping"],
            now=now - timedelta(hours=39),
        )
        t = open_(
            "cd2020-ovh",
            "atelier-dubois.fr",
            "choose_product",
            "Quel hébergement choisir ?",
            "J'hésite entre deux offres d'hébergement.",
            50,
        )
        actions.claim_ticket(t, actor=s["l2.comercial"], now=now - timedelta(hours=45))
        actions.reply(
            t,
            actor=s["l2.comercial"],
            body="Quel est votre trafic mensuel ?",
            now=now - timedelta(hours=44),
            then="waiting_customer",
        )
        # → L3: Jorge's PHP recompilation, handed to commercial for a quote.
        t = open_(
            "jn8642-ovh",
            "ns3098765.ip-51-75-1.eu",
            "technical_other",
            "Recompilar PHP con la extensión intl",
            "Necesito PHP con la extensión intl en mi servidor.",
            10,
        )
        actions.claim_ticket(t, actor=s["l2.tecnico"], now=now - timedelta(hours=9))
        actions.hand_off_for_quote(
            t, actor=s["l2.tecnico"], reason="Requiere infogerencia: recompilar PHP.", now=now - timedelta(hours=8.5)
        )
        # ... quoted, sent and accepted: Jorge can pay it (card through Redsys or Stripe in test
        # mode, or a transfer to the demo IBAN) from his quote page.
        self._accepted_quote(t, s["l2.comercial"], c["jn8642-ovh"], now - timedelta(hours=8))
        # A phone ticket opened by an agent on the assistance line, and an L3 intervention ticket.
        t = open_(
            "cs9753-ovh",
            "carmensanchez.es",
            "quote_intervention",
            "Presupuesto: vaciar la cola de Qmail",
            "Llamada al 902 106 113: pide presupuesto para vaciar la cola de Qmail.",
            4,
            channel=Channel.PHONE,
            actor=s["l2.comercial"],
        )
        open_(
            "jn8642-ovh",
            "ns3098765.ip-51-75-1.eu",
            "recompile_php",
            "Intervención: recompilar PHP",
            "Intervención pagada, pendiente de programar.",
            1,
            actor=s["l2.comercial"],  # customers never open level 3 tickets: commercial records the paid work
        )
        t = open_(
            "pg2468-ovh",
            "ferreteriagarcia.es",
            "configure_mail",
            "Configurar el correo en el móvil",
            "¿Qué servidor SMTP pongo?",
            100,
        )
        actions.reply(
            t,
            actor=s["l2.tecnico"],
            body="Use ssl0.ovh.net, puerto 465.",
            now=now - timedelta(hours=90),
            then="resolved",
        )
        actions.close_ticket(t, actor=s["l2.tecnico"], now=now - timedelta(hours=80))
        t = open_(
            "js3030-ovh", "vps-9f8e7d6c.vps.ovh.net", "change_dns", "Reverse DNS", "How do I set the reverse?", 30
        )
        actions.reply(
            t, actor=s["l2.tecnico"], body="From the Manager: IP → reverse.", now=now - timedelta(hours=20),
            then="resolved",
        )  # fmt: skip
        # L3: an intervention under way, one waiting for the customer's access, one done, one closed.
        l3 = s["l3.admin"]
        for subject, hours, steps in [
            ("Intervención: instalar Zend Optimizer", 48, ["claim"]),
            ("Intervención: reconfigurar multidominio", 72, ["claim", "wait"]),
            ("Intervención: vaciar la cola de Qmail", 120, ["claim", "resolve"]),
            ("Intervención: recompilar PHP 8.3", 400, ["claim", "resolve", "close"]),
        ]:
            t = open_(
                "jn8642-ovh", "ns3098765.ip-51-75-1.eu", "intervention_other", subject,
                "Intervención aceptada y pagada.", hours, actor=s["l2.comercial"],
            )  # fmt: skip
            at = now - timedelta(hours=hours - 1)
            if "claim" in steps:
                actions.claim_ticket(t, actor=l3, now=at)
            if "wait" in steps:
                actions.reply(t, actor=l3, body="Necesitamos el acceso root.", now=at, then="waiting_customer")
            if "resolve" in steps:
                actions.reply(t, actor=l3, body="Intervención realizada.", now=at, then="resolved")
            if "close" in steps:
                actions.close_ticket(t, actor=c["jn8642-ovh"], now=at)

    def _accepted_quote(self, ticket: Any, commercial: User, customer: User, at: Any) -> None:
        quote = level3.draft_quote(ticket, actor=commercial, now=at)
        # The catalogue's line when the catalogue is there, else the same line typed by hand.
        level3.add_quote_line(
            quote,
            actor=commercial,
            intervention_type=InterventionType.objects.filter(code="recompile-php").first(),
            description="Recompilar PHP con la extensión intl",
            unit_price="120.00",
            quantity="1",
            now=at,
        )
        quote = level3.send_quote(quote, actor=commercial, now=at)
        level3.accept_quote(quote, actor=customer, now=at + timedelta(minutes=30))

    def _print_payments(self) -> None:
        self.stdout.write("\nPayments (docs/operators/payments.md):")
        for quote in Quote.objects.filter(state=QuoteState.ACCEPTED).select_related("ticket__requester")[:3]:
            who = quote.ticket.requester.username if quote.ticket.requester else quote.organisation.name
            self.stdout.write(f"  {who}'s quote {quote.number} is accepted and waits to be paid.")
        if settings.TIERDESK_DEMO_PAYMENTS:
            self.stdout.write("  Redsys test terminal 999008881/1: 'Pay by card' shows the signed form (test mode).")
            self.stdout.write("  Stripe: not offered offline; set TIERDESK_STRIPE_SECRET_KEY=sk_test_... to try it.")
            self.stdout.write(f"  Transfers: demo IBAN {settings.TIERDESK_BANK_IBAN}; 'facturacion' imports CAMT.053.")

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write("  Customers (Manager, http://127.0.0.1:8000/):")
        for identifier, name, *_rest in CUSTOMERS:
            self.stdout.write(f"    {identifier:<14} {name}")
        self.stdout.write("  Staff (console, http://127.0.0.1:8000/console/):")
        for username, role, *_rest in STAFF:
            self.stdout.write(
                f"    {username:<14} {Role(role).label}{' + administration (/admin/)' if username == 'admin' else ''}"
            )
