"""The logging mask: SecretMaskingFilter on every configured handler, and what it hides."""

import json
import logging
import secrets
from io import StringIO

import pytest
from django.conf import settings as django_settings

from integrations_site.logging import MASK, SecretMaskingFilter, mask_secrets
from tests.factories import CANARY_SECRET, VALID_SECRET
from tests.security.support import CANARY_HINT, CANARY_KEY_ID, leaks

# --- the logging mask -------------------------------------------------------------------------


@pytest.fixture
def masked_logger():
    """A logger whose only handler writes through SecretMaskingFilter into a buffer."""
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.security.masked")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_mask_secrets_hides_each_kind_of_secret():
    text = mask_secrets(
        f"id {CANARY_KEY_ID} key {VALID_SECRET} password=hunter2-pw, "
        f'{{"secretAccessKey": "{CANARY_SECRET}", "token": "tok-123"}} '
    )
    assert CANARY_KEY_ID not in text and CANARY_HINT in text
    assert VALID_SECRET not in text
    assert "hunter2-pw" not in text and "password=" + MASK in text
    assert CANARY_SECRET not in text and "CanarySecret" not in text
    assert f'"secretAccessKey": {MASK}' in text
    assert "tok-123" not in text
    assert "ASIA" + "Z" * 16 not in mask_secrets("temporary ASIA" + "Z" * 16)


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer {token}",
        "authorization=Bearer {token}",
        "header Authorization: Token {token}",
    ],
)
def test_mask_secrets_hides_the_credential_after_an_auth_scheme(line):
    """An HTTP header as a library logs it: the scheme word is not the secret, the token
    after it is (here one of the site's own API tokens)."""
    token = "dlt_" + secrets.token_urlsafe(32)
    text = mask_secrets(line.format(token=token))
    assert token not in text and token[4:] not in text, text


def test_filter_masks_message_and_arguments(masked_logger):
    logger, stream = masked_logger
    logger.debug("access key %s", CANARY_KEY_ID)
    logger.info("secret %s", CANARY_SECRET)
    logger.warning("login failed: password=%s", "hunter2-pw")
    logger.error("boto3 params %s", json.dumps({"secretAccessKey": "short-but-secret"}))
    out = stream.getvalue()
    assert out.count("\n") == 4
    assert CANARY_KEY_ID not in out and CANARY_HINT in out
    assert CANARY_SECRET not in out and "CanarySecret" not in out
    assert "hunter2-pw" not in out and "short-but-secret" not in out
    assert MASK in out


def test_filter_masks_exception_text(masked_logger):
    logger, stream = masked_logger
    try:
        raise ValueError(f"upstream said: key {CANARY_KEY_ID} secret {CANARY_SECRET}")
    except ValueError:
        logger.exception("call failed")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert leaks(out) == []


def test_configured_handlers_mask_what_reaches_them(caplog):
    """Through the real configuration: the console handler's filter runs before anything
    else sees the record, including for the non-propagating `django` logger."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    logging.getLogger("integrations_site.test").warning("secret=%s", CANARY_SECRET)
    try:
        raise RuntimeError(f"secretAccessKey={CANARY_SECRET} id={CANARY_KEY_ID}")
    except RuntimeError:
        logging.getLogger("django.request").exception("Internal Server Error: /x")
        logging.getLogger("botocore.endpoint").exception("request failed")
    assert len(caplog.records) == 3
    for record in caplog.records:
        assert leaks(record.getMessage()) == []
        assert leaks(record.exc_text or "") == []
    assert leaks(caplog.text) == []


def _filtered(handler: logging.Handler) -> bool:
    return any(isinstance(f, SecretMaskingFilter) for f in handler.filters)


def test_every_configured_handler_has_the_mask():
    config = django_settings.LOGGING
    assert config["filters"]["mask_secrets"]["()"] == (
        "integrations_site.logging.SecretMaskingFilter"
    )
    assert config["handlers"], "at least one handler is configured"
    for name, handler in config["handlers"].items():
        assert "mask_secrets" in handler.get("filters", []), name

    root = logging.getLogger()
    loggers = [root] + [
        lg for lg in root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    # pytest's own capture handlers are not part of the site's configuration.
    ours = [
        (lg.name, h)
        for lg in loggers
        for h in lg.handlers
        # NullHandlers (libraries' defaults) never write anything.
        if not type(h).__module__.startswith("_pytest") and not isinstance(h, logging.NullHandler)
    ]
    assert any(name == "root" for name, _ in ours), "the root logger has the console handler"
    assert any(name == "django" for name, _ in ours)
    assert [(name, h) for name, h in ours if not _filtered(h)] == []
