"""Write a development `.env` with fresh random keys, once. Imports nothing from Django, so it
runs before settings can load. Usage: python -m integrations_site.devenv"""

import base64
import os
import secrets
import sys
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def _signing_key_line() -> str:
    return f"API_TOKEN_SIGNING_KEY={secrets.token_urlsafe(48)}"


def main() -> int:
    if ENV_FILE.exists():
        # A .env from before API tokens were signed gets its signing key added, nothing else.
        text = ENV_FILE.read_text()
        if "API_TOKEN_SIGNING_KEY=" not in text:
            with ENV_FILE.open("a") as handle:
                handle.write(("" if text.endswith("\n") else "\n") + _signing_key_line() + "\n")
            print(f"{ENV_FILE.name} exists; added an API token signing key.")
            return 0
        print(f"{ENV_FILE.name} exists; keeping it.")
        return 0
    lines = [
        "# Development settings written by `make run`. Not for production; git-ignored.",
        "DEBUG=1",
        f"SECRET_KEY={secrets.token_urlsafe(50)}",
        f"INTEGRATIONS_ENCRYPTION_KEYS=dev1:{base64.b64encode(os.urandom(32)).decode()}",
        _signing_key_line(),
        "ALLOWED_HOSTS=127.0.0.1,localhost",
        "DEMO_USERNAME=demo",
        f"DEMO_PASSWORD={secrets.token_urlsafe(12)}",
    ]
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"Wrote {ENV_FILE.name} with a new secret key, encryption key and token signing key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
