"""The public dashboard: counters, breakdowns, filters, charts, CSV export; a fixed
number of SQL queries whatever the number of pledges."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from eventsapp.models import FocusArea, PledgeState, PledgeType, Sector
from eventsapp.pledges import queries
from tests.support.pledges_support import bulk_pledges, entity, make_pledge


def _stat(html: str, name: str) -> str:
    m = re.search(rf'data-pledge-stat="{name}">([^<]*)<', html)
    assert m, name
    return m.group(1).strip()


@pytest.fixture
def data(app, db, make_event, make_session, make_person):
    """Two events; published, submitted and declined pledges; a draft event's pledge."""
    kigali, geneva = make_event(title="Kigali"), make_event(title="Geneva")
    draft = make_event(title="Draft", published=False)
    person = make_person("Speaker")
    s1 = make_session(kigali, people=[(person, "panellist")], title="Panel on access")
    s2 = make_session(kigali, people=[(person, "panellist")], title="Panel on skills")
    gov, ngo = entity("Gov A", Sector.GOVERNMENT), entity("NGO B", Sector.CIVIL_SOCIETY)
    jan = datetime(2024, 1, 15, tzinfo=UTC)
    mar = datetime(2024, 3, 15, tzinfo=UTC)
    make_pledge(kigali, session=s1, amount="100.50", entities=[gov, ngo], countries=["RW", "KE"],
                sdgs=[4, 9], groups=["youth", "women_girls"], published_at=jan, announced_by=person)
    make_pledge(kigali, session=s1, amount="200", entities=[ngo], focus_area=FocusArea.ADOPTION,
                type_=PledgeType.POLICY, countries=["PE"], regions=["global"], sdgs=[9],
                published_at=mar, announced_by=person)
    make_pledge(kigali, session=s2, amount=None, entities=[gov], type_=PledgeType.ADVOCACY,
                published_at=mar, announced_by=person, groups=["youth"])
    make_pledge(geneva, amount="1000", entities=[entity("Geneva Co", Sector.PRIVATE_SECTOR)],
                published_at=mar)
    make_pledge(kigali, amount="99999", state=PledgeState.SUBMITTED)
    make_pledge(kigali, amount="99999", state=PledgeState.DECLINED)
    make_pledge(draft, amount="55555")
    return {"kigali": kigali, "geneva": geneva, "draft": draft, "s1": s1, "s2": s2}


def test_counters_count_published_pledges_of_visible_events(app, data):
    c = queries.counter()
    assert (c.pledges, c.entities, c.amount_usd) == (4, 3, Decimal("1300.50"))
    k = queries.event_counter(data["kigali"])
    assert (k.pledges, k.entities, k.amount_usd) == (3, 2, Decimal("300.50"))


def test_event_dashboard_page(client, data):
    resp = client.get(f"/events/{data['kigali'].slug}/pledges")
    assert resp.status_code == 200
    html = resp.data.decode()
    assert _stat(html, "pledges") == "3" and _stat(html, "entities") == "2"
    assert "USD 300" in html  # the counter's exact figure
    assert "All events together: 4 pledges from 3 entities" in html
    assert "99999" not in html.replace(",", "") and "55555" not in html.replace(",", "")


def test_breakdowns_and_sessions(app, data):
    d = queries.dashboard(queries.Filters(event_id=data["kigali"].id))
    by = {k: {r.key: (r.pledges, r.amount_usd) for r in rows} for k, rows in d.breakdowns.items()}
    assert by["focus_area"] == {"access": (2, Decimal("100.50")), "adoption": (1, Decimal("200.00"))}
    assert by["type"] == {"financial": (1, Decimal("100.50")), "policy": (1, Decimal("200.00")),
                          "advocacy": (1, Decimal("0.00"))}
    assert by["sector"] == {"government": (2, Decimal("100.50")), "civil_society": (1, Decimal("200.00"))}
    # A pledge in Rwanda and Kenya counts once for Africa.
    assert by["region"] == {"africa": (1, Decimal("100.50")), "americas": (1, Decimal("200.00")),
                            "global": (1, Decimal("200.00"))}
    assert by["sdg"] == {"4": (1, Decimal("100.50")), "9": (2, Decimal("300.50"))}
    assert by["beneficiary"] == {"youth": (2, Decimal("100.50")), "women_girls": (1, Decimal("100.50"))}
    assert [(r.key, r.pledges) for r in d.sessions] == [(str(data["s1"].id), 2), (str(data["s2"].id), 1)]
    assert d.sessions[0].extra["url"] == f"/events/{data['kigali'].slug}/sessions/{data['s1'].id}"
    assert [(r.key, r.pledges, r.extra["cumulative_pledges"]) for r in d.growth] == [
        ("2024-01", 1, 1), ("2024-02", 0, 1), ("2024-03", 2, 3)]


@pytest.mark.parametrize("args, expected", [
    ({"focus_area": "adoption"}, 1), ({"type": "financial"}, 1), ({"sector": "government"}, 2),
    ({"region": "africa"}, 1), ({"sdg": "9"}, 2), ({"beneficiary": "youth"}, 2),
    ({"focus_area": "access", "beneficiary": "youth"}, 2), ({"sdg": "17"}, 0),
])
def test_filters(app, data, args, expected):
    f = queries.parse_filters(args, data["kigali"])
    assert queries.dashboard(f).counter.pledges == expected


def test_unknown_filter_values_are_clear_errors(client, data):
    resp = client.get("/pledges?focus_area=happiness&sdg=42", headers={"Accept": "application/json"})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "focus_area" in fields and "sdg" in fields


def test_all_events_dashboard_lists_events_and_hides_drafts(client, data):
    html = client.get("/pledges").data.decode()
    assert _stat(html, "pledges") == "4"
    assert "Kigali" in html and "Geneva" in html and "Draft" not in html
    # The event filter of the all-events page leads to the event's own dashboard.
    resp = client.get(f"/pledges?event={data['geneva'].slug}&type=financial")
    assert resp.status_code == 302 and f"/events/{data['geneva'].slug}/pledges" in resp.location


def test_charts_are_accessible_svg_with_the_same_numbers_in_tables(client, data):
    html = client.get(f"/events/{data['kigali'].slug}/pledges").data.decode()
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) >= 8
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and "aria-labelledby" in svg
    assert "<script" not in "".join(svgs)
    # The focus area table carries the chart's numbers.
    table = html[html.index('id="bd-focus_area-h"'):]
    table = table[:table.index("</table>")]
    assert re.search(r"Access</a></th>\s*<td class=\"num\">2</td><td class=\"num\">USD 10[01]</td>", table)


def _count_dashboard_queries(client, count_queries, url):
    client.get(url)  # warm up (first-request work is not the point)
    with count_queries() as q:
        resp = client.get(url)
    assert resp.status_code == 200
    return q.count


def test_dashboard_queries_do_not_grow_with_pledges(app, client, db, make_event, make_session,
                                                    make_person, count_queries):
    event = make_event()
    session = make_session(event, people=[(make_person(), "panellist")])
    bulk_pledges(10, event, session)
    urls = [f"/events/{event.slug}/pledges", "/pledges", f"/events/{event.slug}/pledges?region=africa",
            f"/events/{event.slug}/pledges/wall.json", f"/events/{event.slug}/pledges/wall",
            f"/events/{event.slug}", f"/api/v1/events/{event.slug}/pledges",
            "/api/v1/pledges/summary"]
    small = {u: _count_dashboard_queries(client, count_queries, u) for u in urls}
    bulk_pledges(990, event, session)
    assert queries.event_counter(event).pledges == 1000
    big = {u: _count_dashboard_queries(client, count_queries, u) for u in urls}
    assert big == small


def test_csv_export_has_every_field_and_is_formula_safe(client, db, make_event):
    event = make_event()
    p = make_pledge(event, title="=HYPERLINK(\"http://evil\")", amount="12.34",
                    entities=[entity("+Plus Corp"), entity("@At Org")], countries=["RW"], sdgs=[5])
    p.description = "-2+3"
    db.session.commit()
    make_pledge(event, state=PledgeState.SUBMITTED, title="not yet")
    resp = client.get(f"/events/{event.slug}/pledges/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == "'=HYPERLINK(\"http://evil\")" and row["description"] == "'-2+3"
    assert row["entity_name"] == "'+Plus Corp" and row["partners"].startswith("'@At Org")
    assert row["amount_usd"] == "12.34" and row["countries"] == "Rwanda" and row["sdgs"] == "5"
    for column in ("type", "focus_area", "pillar", "regions", "beneficiaries", "target_year",
                   "indicator", "session_id", "announced_by", "announced_at", "published_at",
                   "progress_status", "last_report_on", "activity", "is_sample"):
        assert column in row
    for cell in (c for r in rows for c in r.values()):
        assert not cell or cell[0] not in "=+-@"


def test_dashboard_with_ten_thousand_pledges_is_fast_enough(app, client, make_event, count_queries):
    """Not a benchmark: a guard that 10,000 pledges stay interactive (SQL does the work)."""
    import time

    event = make_event()
    bulk_pledges(10000, event)
    client.get(f"/events/{event.slug}/pledges")
    start = time.perf_counter()
    resp = client.get(f"/events/{event.slug}/pledges")
    elapsed = time.perf_counter() - start
    assert resp.status_code == 200 and _stat(resp.data.decode(), "pledges") == "10,000"
    assert elapsed < 5, elapsed
    # Filters on many-valued fields too (a correlated EXISTS once took SQLite minutes here).
    start = time.perf_counter()
    resp = client.get(f"/events/{event.slug}/pledges?region=africa&sdg=9&beneficiary=youth&sector=government")
    assert resp.status_code == 200
    assert time.perf_counter() - start < 5


def test_concurrent_misses_build_once(app):
    """cachetools.cached with a condition: threads missing the same key wait for one build."""
    import threading
    import time

    from eventsapp.pledges import cache as pledge_cache

    builds: list[int] = []
    results: list[object] = []

    def build():
        builds.append(1)
        time.sleep(0.1)
        return "value"

    def worker():
        with app.app_context():
            results.append(pledge_cache.cached("test", ("same",), build, version="v1")[0])

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 5 and len(builds) == 1
    with app.app_context():  # another data version is another entry
        pledge_cache.cached("test", ("same",), build, version="v2")
    assert len(builds) == 2
