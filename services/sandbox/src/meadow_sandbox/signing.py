"""
Webhook signatures made the way Svix makes them for Resend.

The signed content is `{svix-id}.{svix-timestamp}.{body}`; the key is the
base64 part of the `whsec_` secret, decoded; the `svix-signature` header holds
`v1,` and the base64 HMAC-SHA256 of that content. Receivers check it with
`resend.Webhooks.verify`, which also refuses timestamps more than five
minutes away from their clock.
"""

import base64
import hashlib
import hmac
import secrets
import string
import time

_ID_ALPHABET = string.ascii_letters + string.digits
# Svix message ids are `msg_` and a 27-character KSUID in base62.
_ID_LENGTH = 27
_KEY_PREFIX = "whsec_"


def new_webhook_id() -> str:
    """
    A fresh id in Svix's `msg_...` form.
    """
    return "msg_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """
    The `svix-signature` value for this body, id and timestamp.
    """
    key = base64.b64decode(secret.removeprefix(_KEY_PREFIX))
    content = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, body: str, *, webhook_id: str | None = None, now: int | None = None
) -> dict[str, str]:
    """
    The headers Svix sends with a webhook body: id, timestamp, signature.
    """
    webhook_id = webhook_id or new_webhook_id()
    timestamp = int(time.time()) if now is None else now
    return {
        "svix-id": webhook_id,
        "svix-timestamp": str(timestamp),
        "svix-signature": sign(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }
