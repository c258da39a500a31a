from datetime import UTC


def test_healthz_answers_ok_without_a_session_cookie(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.data == b"ok"
    assert "Set-Cookie" not in resp.headers


def test_event_span_reads_naturally_on_one_day_and_across_days():
    from datetime import datetime

    from eventsapp.timefmt import format_span

    one_day = format_span(datetime(2023, 12, 12, 13, tzinfo=UTC),
                          datetime(2023, 12, 12, 18, tzinfo=UTC), "Europe/Zurich")
    assert one_day == "12 December 2023, 14:00\u201319:00"
    days = format_span(datetime(2022, 6, 7, 12, tzinfo=UTC),
                       datetime(2022, 6, 9, 11, tzinfo=UTC), "Africa/Kigali")
    assert days == "Tuesday 7 June 2022, 14:00 \u2013 Thursday 9 June 2022, 13:00"
