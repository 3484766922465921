"""The bank's side of Redsys, played with the python-redsys library, for the tests only: it checks
the signed form the desk's page posts and signs the notification Redsys would send back.

``TestBank`` serves it over loopback HTTP: the browser posts the form to it (the configured TPV
URL), it verifies the signature, posts the signed notification to the desk's ``Ds_MerchantURL``
server to server, then sends the browser to ``Ds_Merchant_UrlOK`` (or ``UrlKO``)."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from hmac import compare_digest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from redsys.crypto import get_signer
from redsys.models import decode_merchant_parameters

KEY = "sq7HjrUOBfKmC576ILgskD5srU870gJ7"  # Redsys' published test key
OTHER_KEY = "Mk9m98IfEblmPfrpsawt7BmxObt98Jev"
MERCHANT = "999008881"
VERSION = "HMAC_SHA256_V1"


class BadSignature(AssertionError):
    pass


def read_form(fields: dict[str, str], *, key: str = KEY) -> dict[str, Any]:
    """The merchant parameters of a payment form, after checking its signature as Redsys does."""
    encoded = fields["Ds_MerchantParameters"].encode()
    params: dict[str, Any] = decode_merchant_parameters(encoded)
    signer = get_signer(key, fields["Ds_SignatureVersion"])
    expected = signer.sign(params["Ds_Merchant_Order"], encoded).decode()
    if not compare_digest(expected, fields["Ds_Signature"]):
        raise BadSignature("the form's Ds_Signature does not match its parameters")
    return params


def notification(
    order: str,
    *,
    amount_cents: int | str,
    response: str = "0000",
    key: str = KEY,
    currency: str = "978",
    transaction_type: str = "0",
    merchant: str = MERCHANT,
    terminal: str = "1",
    merchant_data: str = "",
) -> dict[str, str]:
    """The fields Redsys posts to ``Ds_MerchantURL``, signed with ``key``."""
    params = {
        "Ds_Date": "02%2F03%2F2027",
        "Ds_Hour": "10:05",
        "Ds_SecurePayment": "1",
        "Ds_Amount": str(amount_cents),
        "Ds_Currency": currency,
        "Ds_Order": order,
        "Ds_MerchantCode": merchant,
        "Ds_Terminal": terminal,
        "Ds_Response": response,
        "Ds_TransactionType": transaction_type,
        "Ds_MerchantData": merchant_data,
        "Ds_AuthorisationCode": "123456" if int(response) < 100 else "",
        "Ds_ConsumerLanguage": "1",
        "Ds_Card_Country": "724",
        "Ds_Card_Brand": "1",
    }
    signer = get_signer(key, VERSION)
    encoded = signer.encode_parameters(params)
    return {
        "Ds_SignatureVersion": VERSION,
        "Ds_MerchantParameters": encoded.decode(),
        "Ds_Signature": signer.sign(order, encoded).decode(),
    }


class TestBank:
    """A loopback stand-in for the Redsys TPV page (tests only)."""

    __test__ = False  # not a pytest class

    def __init__(self, *, response: str = "0000", key: str = KEY) -> None:
        self.response = response
        self.key = key
        self.forms: list[dict[str, Any]] = []
        self.notified: list[int] = []
        bank = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                try:
                    params = read_form(fields, key=bank.key)
                except (BadSignature, KeyError, ValueError):
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(b"SIS0042: signature error")
                    return
                bank.forms.append(params)
                signed = notification(
                    params["Ds_Merchant_Order"],
                    amount_cents=params["Ds_Merchant_Amount"],
                    response=bank.response,
                    key=bank.key,
                    currency=str(params["Ds_Merchant_Currency"]),
                    merchant_data=params.get("Ds_Merchant_MerchantData", ""),
                )
                request = urllib.request.Request(  # noqa: S310 - the desk's loopback URL
                    params["Ds_Merchant_MerchantURL"], data=urllib.parse.urlencode(signed).encode(), method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310
                        bank.notified.append(answer.status)
                except urllib.error.HTTPError as error:
                    bank.notified.append(error.code)
                paid = int(bank.response) < 100
                self.send_response(303)
                self.send_header("Location", params["Ds_Merchant_UrlOK" if paid else "Ds_Merchant_UrlKO"])
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sis/realizarPago"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TestBank:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
