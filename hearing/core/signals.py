"""Signals (blinker): a low module tells the areas above it that something changed, without importing them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with the session as sender and ``process_id=`` when responses of a process were changed, withdrawn,
#: deleted or purged (before the commit). The report module refreshes its published files
#: (:func:`hearing.reporting.services.refresh_public_files`).
responses_changed = _signals.signal("responses-changed")
