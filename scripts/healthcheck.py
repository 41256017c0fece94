"""The container's HEALTHCHECK: GET /readyz on this machine, exit 0 when it answers 200.

The site keeps its Host check (ALLOWED_HOSTS) for every path, so the request names a host it
accepts: HEALTHCHECK_HOST, else the first entry of ALLOWED_HOSTS. Standard library only."""

import http.client
import os
import sys


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = os.environ.get("HEALTHCHECK_HOST") or (hosts[0] if hosts else "localhost")
    host = host.lstrip(".")  # ".example.com" allows example.com itself
    return "localhost" if host == "*" or not host else host


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/readyz", headers={"Host": host_header()})
        response = connection.getresponse()
        body = response.read(2000).decode(errors="replace")
    except OSError as error:
        print(f"readyz: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print(f"readyz: {response.status} {body}")
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
