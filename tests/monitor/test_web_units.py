"""Issue 17: the pure parts of the dashboard: the timeline's geometry, sessions, markup."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.secret import Secret
from monitor.storage.views import HistoryItem, Mark
from monitor.web import timeline
from monitor.web.auth import SESSION_HOURS, Auth
from monitor.web.markup import days_left, mark_terms

T0 = datetime(2025, 11, 1, tzinfo=UTC)


def _h(days: int, old: str, new: str) -> HistoryItem:
    return HistoryItem(T0 + timedelta(days=days), old, new, "evidence", "why")


def test_bands_follow_the_status_log_and_end_now() -> None:
    history = [_h(5, "watching", "anticipated"), _h(20, "anticipated", "observed")]
    marks = [Mark(T0 + timedelta(days=d), "occurred", False) for d in (20, 22)]
    now = T0 + timedelta(days=30)
    picture = timeline.build(
        history, marks, status="observed", since=T0, deadline=date(2025, 12, 10), now=now
    )
    assert [b.status for b in picture.bands] == ["watching", "anticipated", "observed"]
    assert all(b.width > 0 for b in picture.bands)
    for left, right in zip(picture.bands, picture.bands[1:], strict=False):
        assert abs(left.x + left.width - right.x) < 1.5  # contiguous
    assert picture.bands[-1].end == now
    assert picture.deadline_x is not None
    assert picture.bands[-1].x + picture.bands[-1].width < picture.deadline_x  # not yet due
    assert 0 <= min(d.x for d in picture.dots) <= max(d.x for d in picture.dots) <= picture.width
    assert {d.y for d in picture.dots} == {timeline.ROWS["occurred"]}


def test_ten_thousand_marks_merge_into_few_dots_and_keep_their_count() -> None:
    marks = [
        Mark(T0 + timedelta(minutes=7 * n), ("occurred", "anticipated", "negated")[n % 3], False)
        for n in range(10_000)
    ]
    picture = timeline.build([], marks, status="watching", since=T0, deadline=None, now=T0)
    assert len(picture.dots) <= 3 * (timeline.WIDTH // 3 + 2)
    assert sum(d.count for d in picture.dots) == 10_000


def test_a_long_quiet_spell_does_not_squeeze_the_picture() -> None:
    history = [_h(1, "watching", "observed")]
    picture = timeline.build(
        history, [], status="observed", since=T0, deadline=None, now=T0 + timedelta(days=3650)
    )
    first_change = picture.bands[1].x
    assert first_change > picture.width * 0.3  # the story still fills most of the width
    assert picture.now_x <= picture.width


def test_no_history_no_evidence_is_one_band() -> None:
    picture = timeline.build([], [], status="watching", since=T0, deadline=None, now=T0)
    assert [b.status for b in picture.bands] == ["watching"]
    assert picture.dots == ()
    assert picture.deadline_x is None


def test_sessions_and_csrf_tokens() -> None:
    auth = Auth(Secret("a-long-admin-token"))
    assert auth.check_token("a-long-admin-token")
    assert not auth.check_token("a-long-admin-tokeN")
    cookie = auth.new_session(now=1_000_000)
    assert auth.valid_session(cookie, now=1_000_000 + 60)
    assert not auth.valid_session(cookie, now=1_000_000 + SESSION_HOURS * 3600 + 1)
    issued, nonce, mac = cookie.split(".")
    assert not auth.valid_session(f"{int(issued) + 1}.{nonce}.{mac}", now=1_000_000)
    assert not auth.valid_session(cookie[:-1] + ("0" if cookie[-1] != "0" else "1"))
    other = Auth(Secret("a-long-admin-token"))  # another process (or after a restart)
    assert not other.valid_session(cookie, now=1_000_000)
    fresh = auth.new_session()
    token = auth.csrf_token(fresh)
    assert auth.valid_csrf(fresh, token)
    assert not auth.valid_csrf(auth.new_session(), token)  # bound to its session
    assert not auth.valid_csrf(fresh, "")
    off = Auth(None)
    assert not off.enabled
    assert not off.check_token("")
    assert not off.valid_session(off.new_session())


def test_marked_terms_are_escaped_and_inert() -> None:
    html = mark_terms("<b>India</b> & Russia \u202esign\u202c", ["india", "sign"])
    assert str(html) == "&lt;b&gt;<mark>India</mark>&lt;/b&gt; &amp; Russia <mark>sign</mark>"
    assert str(mark_terms("Indian yards", ["india"])) == "Indian yards"  # whole words only


def test_days_left() -> None:
    now = datetime(2025, 12, 20, 18, tzinfo=UTC)
    assert days_left(date(2025, 12, 31), now) == "11 days left"
    assert days_left(date(2025, 12, 20), now) == "due today"
    assert days_left(date(2025, 12, 1), now) == "19 days past"
    assert days_left(None, now) == ""
