"""The pledge wall: its feed answers 304 while nothing changed, with an ETag derived
from the database so that every app process behind a proxy agrees."""
from __future__ import annotations

from eventsapp import create_app
from eventsapp.models import PledgeState
from eventsapp.pledges import services
from tests.support.pledges_support import make_pledge, valid_raw


def test_feed_etag_and_304(client, make_user, panel):
    event = panel["event"]
    make_pledge(event, amount="1000")
    url = f"/events/{event.slug}/pledges/wall.json"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    body = first.get_json()
    assert (body["pledges"], body["entities"], body["amount_usd"]) == (1, 1, "1000.00")
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag

    # An announcement changes the tag and the numbers.
    organizer = make_user(organizer_of=event)
    pledge = services.submit_pledge(make_user(), valid_raw(event=event.slug, amount_usd="500"))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304  # not published yet
    services.announce_pledge(organizer, pledge.id, event, panel["session"].id, panel["moderator"].id)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    data = changed.get_json()
    assert (data["pledges"], data["amount_usd"]) == (2, "1500.00")
    assert data["latest"][0]["title"] == "Connect 500 schools"
    assert data["latest"][0]["session"].endswith(panel["session"].title)

    # Declining a published pledge changes it again (the count drops).
    etag2 = changed.headers["ETag"]
    services.moderate(organizer, pledge.id, "decline", "Withdrawn by the entity.")
    after = client.get(url, headers={"If-None-Match": etag2})
    assert after.status_code == 200 and after.get_json()["pledges"] == 1


def test_etag_is_the_same_in_another_app_process(app, app_config, client, panel):
    """Two app instances (two processes behind a proxy) give the same tag for the same data."""
    make_pledge(panel["event"])
    url = f"/events/{panel['event'].slug}/pledges/wall.json"
    etag = client.get(url).headers["ETag"]
    other = create_app(dict(app_config))
    with other.test_client() as c2:
        resp = c2.get(url, headers={"If-None-Match": etag})
    assert resp.status_code == 304


def test_wall_page_polls_without_inline_script(client, panel):
    make_pledge(panel["event"], amount="2500000", title="Wall pledge")
    resp = client.get(f"/events/{panel['event'].slug}/pledges/wall")
    html = resp.data.decode()
    assert resp.status_code == 200
    assert "Wall pledge" in html and "USD 2,500,000" in html
    assert 'data-feed="/events/' in html and "/static/js/pledges.js" in html
    assert "<script>" not in html and " onload=" not in html


def test_wall_of_a_draft_event_is_hidden(client, make_event):
    draft = make_event(published=False)
    make_pledge(draft, state=PledgeState.PUBLISHED)
    assert client.get(f"/events/{draft.slug}/pledges/wall.json").status_code == 404
    assert client.get(f"/events/{draft.slug}/pledges/wall").status_code == 404
