"""Creating customers, contacts and staff."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Organisation, Role, User, generate_customer_identifier


@transaction.atomic
def create_customer(
    *,
    name: str,
    email: str,
    password: str,
    organisation: Organisation | None = None,
    organisation_name: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    country: str = "ES",
    identifier: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A customer contact with a new identifier (``ab12345-ovh``); a new organisation unless one is given."""
    if organisation is None:
        organisation = Organisation.objects.create(name=organisation_name or name, country=country)
    for _attempt in range(20):
        candidate = (identifier or generate_customer_identifier(name)).lower()
        if User.objects.filter(username__iexact=candidate).exists():
            if identifier:
                raise IntegrityError(f"The customer identifier {candidate} is taken.")
            continue
        user = User(
            username=candidate,
            email=email,
            first_name=first_name or name.split(" ")[0],
            last_name=last_name or " ".join(name.split(" ")[1:]),
            role=Role.CUSTOMER,
            organisation=organisation,
            language=language,
            time_zone=time_zone,
            country=country,
        )
        user.set_password(password)
        user.full_clean(exclude=["password", "username"])
        user.save()
        return user
    raise IntegrityError("Could not find a free customer identifier.")


@transaction.atomic
def create_staff(
    *,
    username: str,
    role: Role,
    password: str,
    first_name: str,
    last_name: str = "",
    email: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    superuser: bool = False,
) -> User:
    if role == Role.CUSTOMER:
        raise ValueError("Staff cannot have the customer role.")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
        time_zone=time_zone,
        is_staff=superuser or role in {Role.SUPERVISOR},
        is_superuser=superuser,
    )
    user.set_password(password)
    user.save()
    return user
