"""Moved to :mod:`hearing.grouping.service` (the engine package holds no Flask code).

Kept only so that code not yet updated keeps working; it is the very same module object.
"""

import sys

from hearing.grouping import service as _service

sys.modules[__name__] = _service
