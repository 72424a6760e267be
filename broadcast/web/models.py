"""The console's own records: the append-only audit log and failed-login counters."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One thing a person did (login, edit, approval, production run, download, settings)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    month = models.CharField(max_length=10, blank=True)
    detail = models.TextField(blank=True)
    sha_before = models.CharField(max_length=64, blank=True)
    sha_after = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class LoginFailure(models.Model):
    """A failed login (throttling counts these per user name and per address)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, db_index=True)
