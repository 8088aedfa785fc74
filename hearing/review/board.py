"""Moved to :mod:`hearing.grouping.board` (the platform side of grouping lives in one package).

Kept only so that code not yet updated keeps working; it is the very same module object.
"""

import sys

from hearing.grouping import board as _board

sys.modules[__name__] = _board
