"""Running the site: liveness and readiness (/healthz, /readyz), Prometheus metrics (/metrics),
request ids and request timing. The top floor: it may look at every app, none looks at it."""
