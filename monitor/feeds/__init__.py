"""Feeds in: fetch (httpx or a local file), parse (feedparser on bytes), OPML."""
