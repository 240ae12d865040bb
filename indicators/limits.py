"""How long the text fields of a watch list may be.

The database columns are sized from these (``monitor.storage.models``), and the loader
refuses a longer value with ``FILE:LINE:COL``: before, a 600-character indicator title
passed ``watchlists check``, loaded on SQLite (which ignores lengths) and ended in a
``StringDataRightTruncation`` traceback on PostgreSQL (issue 16).
"""

from __future__ import annotations

WATCHLIST_TITLE = 500
WATCHLIST_SOURCE = 1000
WATCHLIST_PATH = 1000
INDICATOR_TITLE = 1000
ID = 100  # watch-list and indicator ids (the loader's id pattern allows 100 characters)
