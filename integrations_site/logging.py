"""A logging filter that masks secrets before any handler formats a record.

The application never logs secrets on purpose; this is the net under that rule, for a library
or an exception message that might echo a request body or a boto3 parameter."""

import logging
import re

# AWS access key ids (long-term AKIA, temporary ASIA): keep a hint, hide the middle.
_ACCESS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b")
# A 40-character AWS secret access key standing on its own.
_SECRET_ACCESS_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{39}[A-Za-z0-9/+=](?![A-Za-z0-9/+=])"
)
# key=value or "key": "value" pairs whose key names a secret.
_NAMED_SECRET = re.compile(
    r"(?i)([\"']?(?:secret[_-]?access[_-]?key|secretAccessKey|password|passwd|token|secret|"
    r"authorization|credentials)[\"']?\s*[:=]\s*)"
    # An auth scheme word ("Bearer x") belongs to the value: mask what follows it too.
    r"((?:(?:bearer|basic|token|digest)\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s,;&}]+))"
)
# The site's own API tokens, wherever they stand: older "dlt_" ones, and JWTs (three base64url
# parts; the header is JSON, so it always starts with "eyJ", the encoding of '{"').
_API_TOKEN = re.compile(r"\bdlt_[A-Za-z0-9_-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MASK = "********"


def mask_secrets(text: str) -> str:
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + MASK, text)
    text = _API_TOKEN.sub("dlt_" + MASK, text)
    text = _JWT.sub("eyJ" + MASK, text)
    text = _ACCESS_KEY_ID.sub(lambda m: f"{m.group(1)[:4]}…{m.group(1)[-4:]}", text)
    return _SECRET_ACCESS_KEY.sub(MASK, text)


class SecretMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = mask_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True
