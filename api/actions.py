"""Writes of the api app: tokens, consumer keys and idempotency records."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, User
from api.models import ApiToken, ConsumerKey, CredentialState, OvhApplication, Scope
from core import rows
from tickets.errors import ActionRefused, InvalidInput, NotFound

TOKEN_PREFIX = "tdk"  # noqa: S105 - the public marker of our tokens, not a secret
PENDING_KEY_LIFETIME = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once


@transaction.atomic
def create_token(*, user: User, name: str, scope: str, actor: User, now: datetime | None = None) -> NewToken:
    """A personal API token for ``user``; the caller shows ``secret`` once and never again."""
    now = now or timezone.now()
    if actor.pk != user.pk:
        raise NotFound("not_found", _("This person does not exist."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name_required", _("Give the token a name."), field="name")
    if len(name) > 100:
        raise InvalidInput("name_too_long", _("The name is too long (at most 100 characters)."), field="name")
    if scope not in Scope.values:
        raise InvalidInput("scope_invalid", _("Choose read or read and write."), field="scope")
    if scope == Scope.PROVISIONING and not (user.role == Role.SUPERVISOR or user.is_superuser):
        raise InvalidInput("scope_staff_only", _("Only supervisors can create provisioning tokens."), field="scope")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_USER:
        raise ActionRefused("too_many_tokens", _("Revoke a token before creating another."))
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=digest(secret), scope=scope, created_at=now
    )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: User, now: datetime | None = None) -> ApiToken:
    now = now or timezone.now()
    if token.user_id != actor.pk:
        raise NotFound("not_found", _("This token does not exist."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db()
    return token


def find_token(raw: str) -> ApiToken | None:
    """The active token matching ``raw`` (``tdk_<prefix>_<secret>``), checked in constant time.

    Every API call starts here, so the token, its owner and the owner's organisation are read by
    one statement written once (``core.rows``) instead of one the ORM builds on each call.
    """
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not 1 <= len(parts[1]) <= 16:
        return None
    row = _token_row(parts[1])
    if row is None:
        return None
    token_columns, user_columns, organisation_columns = _token_columns()
    token = token_columns.build(row)
    if not hmac.compare_digest(token.digest, digest(raw)):
        return None
    user = user_columns.build(row, token_columns.width)
    if not user.is_active:
        return None
    rows.cache_related(user, "organisation", organisation_columns.build(row, token_columns.width + user_columns.width))
    rows.cache_related(token, "user", user)
    return token


def _token_columns() -> tuple[rows.Columns, rows.Columns, rows.Columns]:
    return rows.columns(ApiToken, "t"), rows.columns(User, "u"), rows.columns(Organisation, "o")


@cache
def _token_sql() -> str:
    token_columns, user_columns, organisation_columns = _token_columns()
    quote = connection.ops.quote_name
    return (
        f"SELECT {token_columns.sql}, {user_columns.sql}, {organisation_columns.sql}"  # noqa: S608 - model metadata
        f" FROM {quote(ApiToken._meta.db_table)} t"
        f" JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id"
        f" LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = u.organisation_id"
        " WHERE t.prefix = %s AND t.revoked_at IS NULL"
    )


def _token_row(prefix: str) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [prefix])
        found: tuple[Any, ...] | None = cursor.fetchone()
    return found


def touch(model: type[ApiToken] | type[ConsumerKey], pk: int, last_used_at: datetime | None, now: datetime) -> None:
    """Record the last use at most once a minute, so reads do not turn into writes."""
    if last_used_at is None or now - last_used_at >= TOUCH_EVERY:
        model.objects.filter(pk=pk).update(last_used_at=now)


# --- OVH consumer keys ---------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "DELETE")


def clean_rules(rules: Any) -> list[dict[str, str]]:
    if not isinstance(rules, list) or not rules:
        raise InvalidInput("access_rules_required", _("accessRules must be a non-empty list."), field="accessRules")
    if len(rules) > 100:
        raise InvalidInput("too_many_rules", _("At most 100 access rules."), field="accessRules")
    cleaned = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise InvalidInput("access_rule_invalid", _("Each access rule is an object."), field="accessRules")
        method, path = rule.get("method"), rule.get("path")
        if method not in METHODS:
            raise InvalidInput(
                "access_rule_method", _("Invalid method in access rule: use GET, POST, PUT or DELETE."), field="method"
            )
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 500 or "\x00" in path:
            raise InvalidInput("access_rule_path", _("Access rule paths start with /."), field="path")
        cleaned.append({"method": method, "path": path})
    return cleaned


@dataclass(frozen=True)
class NewConsumerKey:
    key: ConsumerKey
    consumer_key: str


@transaction.atomic
def request_consumer_key(
    *, application: OvhApplication, rules: Any, redirection: Any = None, now: datetime | None = None
) -> NewConsumerKey:
    """``POST /auth/credential``: a pending key the customer validates on the page at validationUrl."""
    now = now or timezone.now()
    cleaned = clean_rules(rules)
    if redirection is not None and not (
        isinstance(redirection, str) and redirection.startswith(("https://", "http://")) and len(redirection) <= 500
    ):
        raise InvalidInput("redirection_invalid", _("redirection must be an http(s) URL."), field="redirection")
    consumer_key = secrets.token_hex(16)
    key = ConsumerKey.objects.create(
        application=application,
        digest=digest(consumer_key),
        validation_token=secrets.token_urlsafe(24),
        state=CredentialState.PENDING,
        rules=cleaned,
        redirection=redirection or "",
        created_at=now,
    )
    return NewConsumerKey(key=key, consumer_key=consumer_key)


def pending_key(validation_token: str, now: datetime) -> ConsumerKey:
    key = ConsumerKey.objects.select_related("application").filter(validation_token=validation_token).order_by().first()
    if key is None:
        raise NotFound("not_found", _("This request does not exist."))
    if key.state == CredentialState.PENDING and now - key.created_at > PENDING_KEY_LIFETIME:
        ConsumerKey.objects.filter(pk=key.pk, state=CredentialState.PENDING).update(state=CredentialState.EXPIRED)
        key.refresh_from_db()
    return key


@transaction.atomic
def decide_consumer_key(key: ConsumerKey, *, actor: User, validate: bool, now: datetime | None = None) -> ConsumerKey:
    """The logged-in customer validates (the key then acts as them) or refuses a pending key."""
    now = now or timezone.now()
    if not actor.is_customer:
        raise ActionRefused("customer_only", _("Only a customer can validate an access request."))
    new_state = CredentialState.VALIDATED if validate else CredentialState.REFUSED
    # Conditional UPDATE: a double submit, or two people on the same link, decide only once.
    updated = ConsumerKey.objects.filter(pk=key.pk, state=CredentialState.PENDING).update(
        state=new_state, user=actor if validate else None, validated_at=now if validate else None
    )
    key.refresh_from_db()
    if not updated:
        raise ActionRefused("not_pending", _("This access request has already been decided or has expired."))
    return key
