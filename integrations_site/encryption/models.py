from django.db import models


class KeyCheck(models.Model):
    """A fixed value sealed with one key of the ring, bound to its key id.

    It proves which key material sealed the stored data: a ring whose key of the same id does
    not open it is the wrong ring (the system check says so, and writes are refused)."""

    key_id = models.CharField(max_length=32, unique=True)
    sealed = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key check of {self.key_id}"
