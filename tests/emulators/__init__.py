"""Pins of the emulators our product tests rely on, not of the product.

These tests call moto's AWS server (through boto3) and Debian's Distribution registry (through
plain requests) directly, with no app code and no database, and assert what those emulators
answer: error codes and bodies, authorization quirks, token flows, manifest negotiation. The
product tests in the other packages depend on exactly these answers; when an upgrade of moto,
botocore or docker-registry changes one, a test here names the change before a product test
fails for a reason that looks like a product bug."""
