"""The watchlist benchmark suite: ``python -m bench`` (``make bench``), see docs/benchmarks.md.

Everything it measures runs on generated data: news-like entries of about 2 KB, watch lists
of any size, feeds served from a threaded HTTP server on 127.0.0.1 with configurable latency.
Every scenario is timed several times and reported as a median next to an in-process
baseline run on the same data (a sequential ``feedparser.parse(url)`` loop for polling, a
per-rule regular-expression evaluator for matching).
"""
