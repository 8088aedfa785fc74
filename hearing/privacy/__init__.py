"""Personal data in free text: find it and mask it (no Flask inside).

``find_personal_data(text)`` returns the findings, ``mask(text)`` the text with
each finding replaced by its Norwegian placeholder (see ``KIND_LABELS``). Every other field a participant
types (name, "på vegne av", case reference, place, file name) is masked by ``mask_submission_fields`` and
``mask_input_fields`` (``hearing.privacy.fields``): the one rule for what others may see. Retention, export and
deletion of a person's data live in ``hearing.privacy.records``.
"""

from hearing.privacy.detect import KIND_LABELS, Finding, find_personal_data, mask
from hearing.privacy.fields import (
    MaskedInput,
    MaskedSubmission,
    mask_field,
    mask_filename,
    mask_input_fields,
    mask_submission_fields,
)

__all__ = ["KIND_LABELS", "Finding", "MaskedInput", "MaskedSubmission", "find_personal_data", "mask", "mask_field",
           "mask_filename", "mask_input_fields", "mask_submission_fields"]
