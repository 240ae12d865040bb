"""The rule domain of watchlist: pure, no I/O beyond reading rule files.

Watch-list model and loader, the query language (parser, AST, compiler), text
normalisation and sentence splitting, matching, modality, and extraction of
"what to watch" lists from articles. Nothing here imports ``monitor``, a network,
database or scheduler library (``tests/test_architecture.py`` enforces it).
"""
