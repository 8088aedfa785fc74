"""Personal data in free text: find it and mask it (no Flask inside).

``find_personal_data(text)`` returns the findings, ``mask(text)`` the text with
each finding replaced by its Norwegian placeholder (see ``KIND_LABELS``). Retention, export and
deletion of a person's data live in ``hearing.privacy.records``.
"""

from hearing.privacy.detect import KIND_LABELS, Finding, find_personal_data, mask

__all__ = ["KIND_LABELS", "Finding", "find_personal_data", "mask"]
