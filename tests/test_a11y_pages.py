"""Accessibility a browser audit asked for (issue 13), checked on the HTML the app sends:

- a form page re-rendered with errors says so in its title ("Error: ...") and opens with
  an error summary (a focusable region named by its heading) whose links lead to the
  fields, each field still carrying its own message (aria-describedby, aria-invalid);
- every horizontally scrolling table wrapper is a named region that takes the keyboard
  focus;
- a button's accessible name starts with its visible text (WCAG 2.5.3).
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from eventsapp.models import Category

from .test_checkin_service import make_registration  # noqa: F401  (fixture)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FR = {"Accept-Language": "fr"}
AR = {"Accept-Language": "ar"}


def doc(resp):
    return lxml.html.fromstring(resp.get_data(as_text=True))


def title(tree) -> str:
    return tree.findtext(".//title").strip()


def by_id(tree, id_):
    found = tree.xpath("//*[@id=$id]", id=id_)
    assert len(found) == 1, f"{len(found)} elements with id {id_!r}"
    return found[0]


def summary(tree):
    """The error summary, checked: a focusable region named by its heading, first in main."""
    [box] = tree.xpath("//*[@id='error-summary']")
    assert box.get("tabindex") == "-1"
    heading = by_id(tree, box.get("aria-labelledby"))
    assert heading.tag == "h2"
    main = by_id(tree, "main")
    assert next(iter(main.iterchildren())) is box  # the top of the main content
    assert tree.xpath("//script[contains(@src, 'js/error-summary.js')]")
    return box, heading


def linked_fields(tree, box) -> dict[str, str]:
    """{field id: summary line} for each link of the summary; each target exists, is
    marked invalid and described by its own message next to it."""
    out = {}
    for a in box.iter("a"):
        target_id = a.get("href")[1:]
        field = by_id(tree, target_id)
        assert field.get("aria-invalid") == "true", target_id
        described = (field.get("aria-describedby") or "").split()
        if not described:  # a radio button: its group describes it
            described = field.xpath("ancestor::fieldset[1]/@aria-describedby")[0].split()
        errors = [by_id(tree, d) for d in described if d.endswith("-error")]
        assert errors and errors[0].text_content().strip(), target_id
        out[target_id] = a.text_content().strip()
    return out


def test_signup_errors_summarized_at_the_top(client):
    resp = client.post("/signup", data={"name": "", "email": "nope", "password": "short",
                                        "confirm": "short"})
    assert resp.status_code == 422
    tree = doc(resp)
    assert title(tree).startswith("Error: Sign up")
    box, heading = summary(tree)
    assert heading.text_content().strip() == "There is a problem"
    lines = linked_fields(tree, box)
    assert list(lines) == ["name", "email", "password"]  # the order of the form
    assert lines["email"].startswith("Email: ") and "valid email" in lines["email"]


def test_a_page_without_errors_has_no_summary(client):
    tree = doc(client.get("/signup"))
    assert not title(tree).startswith("Error")
    assert not tree.xpath("//*[@id='error-summary']")
    assert not tree.xpath("//script[contains(@src, 'js/error-summary.js')]")


@pytest.mark.parametrize("headers, prefix, heading", [
    (FR, "Erreur", "Il y a un problème"), (AR, "خطأ", "هناك مشكلة")])
def test_the_summary_speaks_the_page_language(client, headers, prefix, heading):
    resp = client.post("/login", data={"email": "", "password": ""}, headers=headers)
    assert resp.status_code == 422
    tree = doc(resp)
    assert title(tree).startswith(prefix)
    _box, h = summary(tree)
    assert h.text_content().strip() == heading


def test_a_radio_group_error_links_to_its_first_option(client, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data={
        "name": "Ada Lovelace", "email": "ada@example.org", "modality": "teleport",
        "nonce": "n-1"})
    assert resp.status_code == 422
    tree = doc(resp)
    box, _ = summary(tree)
    lines = linked_fields(tree, box)
    assert "modality-0" in lines
    group = by_id(tree, "modality-0").xpath("ancestor::fieldset[1]")[0]
    assert group.get("aria-describedby") == "modality-error"
    assert all(r.get("aria-invalid") == "true" for r in group.xpath(".//input[@type='radio']"))


def test_form_wide_errors_are_listed_without_a_link(client, make_user):
    user = make_user()
    resp = client.post("/login", data={"email": user.email, "password": "wrong-password-1"})
    assert resp.status_code == 422
    tree = doc(resp)
    box, _ = summary(tree)
    items = box.xpath(".//li")
    assert items and not box.xpath(".//a")


def test_a_file_check_points_to_its_list_of_problems(client, db, make_event, make_user,
                                                     login_as):
    event = make_event()
    login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/programme/import", data={
        "content": "title,day,start,end\nNo day,,10:00,11:00\n", "filename": "p.csv",
        "kind": "csv", "action": "check"})
    assert resp.status_code == 422
    tree = doc(resp)
    box, _ = summary(tree)
    [a] = box.xpath(".//a")
    problems = by_id(tree, a.get("href")[1:])
    assert problems.get("tabindex") == "-1" and "nothing was imported" in a.text_content()


def test_the_summary_script_is_served(client):
    resp = client.get("/static/js/error-summary.js")
    assert resp.status_code == 200 and b"error-summary" in resp.data


# ------------------------------------------------------------------ scrolling tables

def test_every_table_wrapper_in_the_templates_is_a_named_focusable_region():
    wrappers = []
    for path in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r'<div class="table-wrap"[^>]*>', path.read_text()):
            wrappers.append(tag)
            assert 'tabindex="0"' in tag and 'role="region"' in tag, (path, tag)
            assert "aria-labelledby=" in tag or "aria-label=" in tag, (path, tag)
    assert len(wrappers) >= 15


def test_table_regions_are_named_by_what_the_page_shows(client, db, make_event, make_user,
                                                        make_registration, login_as):  # noqa: F811
    event = make_event()
    make_registration(event)
    login_as(make_user(organizer_of=event))
    for path in (f"/events/{event.slug}/badges/", f"/events/{event.slug}/registrations/",
                 f"/events/{event.slug}/console/"):
        tree = doc(client.get(path))
        regions = tree.xpath("//div[contains(concat(' ', @class, ' '), ' table-wrap ')]")
        assert regions, path
        for region in regions:
            names = [by_id(tree, i).text_content().strip()
                     for i in (region.get("aria-labelledby") or "").split()]
            name = " ".join(names) or region.get("aria-label")
            assert name and name.strip(), (path, lxml.html.tostring(region)[:200])


# ------------------------------------------------------------------ label in name

def test_new_code_buttons_are_named_by_their_visible_text_first(client, db, make_event,
                                                                make_user, make_registration,  # noqa: F811
                                                                login_as):
    event = make_event()
    make_registration(event, name="Jane Doe", category=Category.VIP)
    login_as(make_user(organizer_of=event))
    tree = doc(client.get(f"/events/{event.slug}/badges/"))
    [button] = tree.xpath("//form[contains(@action, '/reissue')]//button")
    assert button.get("aria-label") is None and button.get("aria-labelledby") is None
    hidden = "".join(s.text_content() for s in button.xpath(".//*[@class='sr-only']"))
    visible = button.text_content().replace(hidden, "").strip()
    assert visible == "New code"
    assert button.text_content().strip().startswith(visible) and "Jane Doe" in hidden
    no_aria_label_differs = [b for b in tree.xpath("//button[@aria-label]")
                             if not b.get("aria-label").startswith(b.text_content().strip())
                             and b.text_content().strip().isalpha()]
    assert no_aria_label_differs == []
