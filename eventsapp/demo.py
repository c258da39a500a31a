"""Demo data: the two reference events with their real shape, and one upcoming sample.

Idempotent: every record is looked up by a natural key first, so running the
loader twice changes nothing. What is known is used as it is (dates, places, the
opening speakers, the Special Message); everything else is marked as sample data.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import (
    Event,
    EventFormat,
    EventKind,
    EventRole,
    EventRoleKind,
    EventTranslation,
    Person,
    ProgrammeSession,
    RoleKind,
    Room,
    SessionRole,
    SessionType,
    User,
    utcnow,
)

DEMO_ORGANIZER = ("organizer@example.org", "demo-organizer-pass")
DEMO_CHECKIN = ("door@example.org", "demo-door-pass-1")
DEMO_ATTENDEE = ("attendee@example.org", "demo-attendee-pass")

SAMPLE_NOTE = "Sample data for the demo: not the real programme."

# Real people named in the brief (positions as publicly reported at the time).
REAL_PEOPLE = {
    "Doreen Bogdan-Martin": ("Director, Telecommunication Development Bureau", "ITU"),
    "Paula Ingabire": ("Minister of ICT and Innovation", "Government of Rwanda"),
    "Maria-Francesca Spatolisano": ("", "United Nations"),
    "Juliana Novaes": ("", ""),
    "Xavier Bettel": ("Prime Minister", "Government of Luxembourg"),
}


@dataclass
class DemoReport:
    created: list[str]

    def __str__(self) -> str:
        done = ", ".join(self.created) if self.created else "already loaded, nothing changed"
        lines = ["Demo data: " + done]
        lines.append(f"Demo organizer: {DEMO_ORGANIZER[0]} / {DEMO_ORGANIZER[1]}")
        lines.append(f"Demo check-in staff: {DEMO_CHECKIN[0]} / {DEMO_CHECKIN[1]}")
        lines.append(f"Demo attendee: {DEMO_ATTENDEE[0]} / {DEMO_ATTENDEE[1]}")
        return "\n".join(lines)


def _user(email: str, password: str, name: str, created: list[str]) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, password_hash=generate_password_hash(password))
        db.session.add(user)
        db.session.flush()
        created.append(f"user {email}")
    return user


def _person(name: str, position: str = "", organization: str = "", sample: bool = False) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.name == name,
                                                       Person.organization == organization))
    if person is None:
        person = Person(name=name, position=position, organization=organization, is_sample=sample)
        db.session.add(person)
        db.session.flush()
    return person


def _at(zone: str, y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(zone))


def _session(event: Event, room: Room | None, type_: SessionType, number: int | None, title: str,
             start: datetime, end: datetime, description: str = "",
             people: Sequence[tuple[Person, RoleKind]] = ()) -> ProgrammeSession:
    s = ProgrammeSession(event=event, room=room, type=type_, number=number, title=title,
                         description=description, starts_at=start, ends_at=end, published=True)
    db.session.add(s)
    for i, (person, role) in enumerate(people):
        s.roles.append(SessionRole(person=person, role=role, position=i))
    return s


def _sample_panel(n: int, label: str) -> list[tuple[Person, RoleKind]]:
    people = [(_person(f"Sample Moderator {n}", "Moderator (sample)", "Sample Organization",
                       sample=True), RoleKind.MODERATOR)]
    for k in range(1, 4):
        people.append((_person(f"Sample Panellist {n}.{k}", "Panellist (sample)",
                               f"Sample {label} Organization {k}", sample=True),
                       RoleKind.PANELLIST))
    return people


KIGALI_PANELS = [
    # (day, start, end, number, focus used in the sample title)
    (7, (15, 0), (16, 0), 1, "Access: infrastructure"),
    (7, (16, 30), (17, 30), 2, "Access: affordability"),
    (8, (9, 30), (10, 30), 3, "Access: cybersecurity"),
    (8, (10, 30), (11, 30), 4, "Adoption: digital skills"),
    (8, (14, 0), (15, 0), 5, "Adoption: digital inclusion"),
    (8, (15, 30), (16, 30), 6, "Adoption: local content and services"),
    (8, (16, 30), (17, 30), 7, "Value creation: digital ecosystems"),
    (9, (9, 0), (10, 0), 8, "Value creation: entrepreneurship and innovation"),
    (9, (10, 0), (11, 0), 9, "Accelerate: digital transformation"),
    (9, (11, 30), (12, 30), 10, "Accelerate: partnerships and finance"),
]
KIGALI_SPOTLIGHTS = [
    (7, (16, 0), (16, 30), 1), (8, (11, 30), (12, 0), 2), (8, (15, 0), (15, 30), 3),
    (9, (11, 0), (11, 30), 4), (9, (12, 30), (13, 0), 5),
]


def _kigali(created: list[str], organizer: User, staff: User) -> None:
    slug = "p2c-roundtable-kigali-2022"
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        return
    z = "Africa/Kigali"
    event = Event(
        slug=slug, title="ITU Partner2Connect Digital Development Roundtable",
        kind=EventKind.ROUNDTABLE, format=EventFormat.HYBRID, timezone=z,
        venue_name="Kigali Convention Centre", city="Kigali", country="RW",
        venue_address="KG 2 Roundabout, Kigali, Rwanda",
        starts_at=_at(z, 2022, 6, 7, 14), ends_at=_at(z, 2022, 6, 9, 13),
        description=(
            "The Partner2Connect Digital Development Roundtable, held with the World "
            "Telecommunication Development Conference in Kigali: 1,000+ people in the room, "
            "350+ online; an opening, ten high-level panels, five spotlight sessions, a special "
            "message from the Prime Minister of Luxembourg and a closing. Over 360 pledges worth "
            "USD 18.55 billion were announced.\n\n"
            "In this demo the dates, venue, opening speakers and Special Message are real; "
            "session times, panel titles, rooms and panellists are sample data."),
        capacity_in_person=1000, capacity_online=None, published=True, is_sample=False,
    )
    db.session.add(event)
    main = Room(event=event, name="Auditorium (sample)", capacity=1200)
    side = Room(event=event, name="Spotlight Stage (sample)", capacity=300)
    db.session.add_all([main, side])
    opening_people = [
        (_person("Doreen Bogdan-Martin", *REAL_PEOPLE["Doreen Bogdan-Martin"]), RoleKind.SPEAKER),
        (_person("Paula Ingabire", *REAL_PEOPLE["Paula Ingabire"]), RoleKind.SPEAKER),
        (_person("Maria-Francesca Spatolisano", *REAL_PEOPLE["Maria-Francesca Spatolisano"]),
         RoleKind.SPEAKER),
        (_person("Juliana Novaes", *REAL_PEOPLE["Juliana Novaes"]), RoleKind.SPEAKER),
    ]
    _session(event, main, SessionType.OPENING, None, "Opening",
             _at(z, 2022, 6, 7, 14), _at(z, 2022, 6, 7, 15),
             "Opening of the Partner2Connect Digital Development Roundtable. (Time indicative.)",
             opening_people)
    for day, start, end, n, focus in KIGALI_PANELS:
        _session(event, main, SessionType.HIGH_LEVEL_PANEL, n, f"{focus} (sample title)",
                 _at(z, 2022, 6, day, *start), _at(z, 2022, 6, day, *end), SAMPLE_NOTE,
                 _sample_panel(n, focus.split(":")[0]))
    for day, start, end, n in KIGALI_SPOTLIGHTS:
        _session(event, side, SessionType.SPOTLIGHT, n, f"Spotlight Session {n} (sample title)",
                 _at(z, 2022, 6, day, *start), _at(z, 2022, 6, day, *end), SAMPLE_NOTE,
                 [(_person(f"Sample Spotlight Speaker {n}", "Speaker (sample)",
                           "Sample Organization", sample=True), RoleKind.SPEAKER)])
    _session(event, main, SessionType.SPECIAL_MESSAGE, None,
             "Special Message from the Prime Minister of Luxembourg",
             _at(z, 2022, 6, 8, 12), _at(z, 2022, 6, 8, 12, 15), "(Time indicative.)",
             [(_person("Xavier Bettel", *REAL_PEOPLE["Xavier Bettel"]), RoleKind.KEYNOTE)])
    _session(event, main, SessionType.CLOSING, None, "Closing",
             _at(z, 2022, 6, 9, 13, 0) - timedelta(minutes=30), _at(z, 2022, 6, 9, 13),
             "Closing of the Roundtable. (Time indicative.)")
    db.session.add_all([EventRole(user=organizer, event=event, role=EventRoleKind.ORGANIZER),
                        EventRole(user=staff, event=event, role=EventRoleKind.CHECKIN_STAFF)])
    created.append("Kigali 2022")


def _geneva(created: list[str], organizer: User, staff: User) -> None:
    slug = "p2c-annual-meeting-2023"
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        return
    z = "Europe/Zurich"
    event = Event(
        slug=slug, title="Partner2Connect Annual Meeting 2023",
        kind=EventKind.ANNUAL_MEETING, format=EventFormat.HYBRID, timezone=z,
        venue_name="Popov Room, ITU Headquarters", city="Geneva", country="CH",
        venue_address="Place des Nations, 1211 Geneva, Switzerland",
        starts_at=_at(z, 2023, 12, 12, 14), ends_at=_at(z, 2023, 12, 12, 19),
        description=(
            "The Partner2Connect Annual Meeting, in person with a virtual component: new pledges "
            "are celebrated and progress on earlier ones is reported. Followed by the EQUALS in "
            "Tech Awards and a cocktail reception. The pledge counter then showed 830+ pledges "
            "from 400+ entities, worth USD 36+ billion.\n\nSpeakers in this demo are sample data."),
        capacity_in_person=150, capacity_online=None, published=True,
    )
    db.session.add(event)
    popov = Room(event=event, name="Popov Room", capacity=150)
    db.session.add(popov)
    _session(event, popov, SessionType.OPENING, None, "P2C Annual Meeting",
             _at(z, 2023, 12, 12, 14), _at(z, 2023, 12, 12, 16, 30),
             "New pledges celebrated and progress reported. " + SAMPLE_NOTE + " (speakers)",
             [(_person("Sample Host", "Host (sample)", "Sample Organization", sample=True),
               RoleKind.HOST)])
    _session(event, popov, SessionType.AWARDS_CEREMONY, None, "EQUALS in Tech Awards",
             _at(z, 2023, 12, 12, 16, 30), _at(z, 2023, 12, 12, 17, 30))
    _session(event, popov, SessionType.RECEPTION, None, "Cocktail reception",
             _at(z, 2023, 12, 12, 17, 30), _at(z, 2023, 12, 12, 19),
             "(End time indicative.)")
    db.session.add(EventRole(user=organizer, event=event, role=EventRoleKind.ORGANIZER))
    created.append("Geneva 2023")


def _upcoming(created: list[str], organizer: User, staff: User) -> None:
    slug = "sample-digital-roundtable"
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        return
    z = "Africa/Nairobi"
    # Placed relative to the first load so the demo always has an event open for registration.
    first_day = (utcnow() + timedelta(days=45)).astimezone(ZoneInfo(z)).date()
    start = datetime(first_day.year, first_day.month, first_day.day, 9, tzinfo=ZoneInfo(z))
    event = Event(
        slug=slug, title="Sample Digital Development Roundtable (demo)",
        kind=EventKind.ROUNDTABLE, format=EventFormat.HYBRID, timezone=z,
        venue_name="Sample Conference Centre", city="Nairobi", country="KE",
        venue_address="Sample address",
        starts_at=start, ends_at=start + timedelta(days=1, hours=8),
        description="An invented upcoming event, open for registration, to try every feature "
                    "of the demo. " + SAMPLE_NOTE,
        capacity_in_person=200, capacity_online=1000,
        registration_opens_at=utcnow() - timedelta(days=1),
        registration_closes_at=start - timedelta(days=1),
        stream_url="https://stream.example.org/sample-roundtable",
        published=True, is_sample=True,
    )
    db.session.add(event)
    hall = Room(event=event, name="Main Hall", capacity=200)
    studio = Room(event=event, name="Studio", capacity=60)
    db.session.add_all([hall, studio])
    day2 = start + timedelta(days=1)
    _session(event, hall, SessionType.OPENING, None, "Opening (sample)",
             start, start + timedelta(hours=1), SAMPLE_NOTE,
             [(_person("Sample Host", "Host (sample)", "Sample Organization", sample=True),
               RoleKind.HOST)])
    for n in range(1, 4):
        s = start + timedelta(hours=n)
        _session(event, hall, SessionType.HIGH_LEVEL_PANEL, n, f"Sample panel {n}",
                 s, s + timedelta(minutes=55), SAMPLE_NOTE, _sample_panel(100 + n, "Demo"))
    _session(event, studio, SessionType.SPOTLIGHT, 1, "Sample spotlight",
             start + timedelta(hours=5), start + timedelta(hours=5, minutes=30), SAMPLE_NOTE)
    _session(event, hall, SessionType.CLOSING, None, "Closing (sample)",
             day2 + timedelta(hours=6), day2 + timedelta(hours=7), SAMPLE_NOTE)
    db.session.add_all([EventRole(user=organizer, event=event, role=EventRoleKind.ORGANIZER),
                        EventRole(user=staff, event=event, role=EventRoleKind.CHECKIN_STAFF)])
    created.append("upcoming sample event")


# The languages each demo event offers and its translated titles and descriptions (the
# originals are in English). Set on events that still offer English only, so a database
# loaded before events had languages gets them too, once.
DEMO_LANGUAGES: dict[str, tuple[tuple[str, ...], dict[str, dict[str, str]]]] = {
    "p2c-annual-meeting-2023": (("ar", "zh", "en", "fr", "ru", "es"), {
        "fr": {
            "title": "Réunion annuelle Partner2Connect 2023",
            "description": (
                "La réunion annuelle Partner2Connect, en présentiel avec une participation "
                "virtuelle : les nouveaux engagements y sont célébrés et l'avancement des "
                "engagements précédents y est présenté. Elle est suivie de la remise des prix "
                "EQUALS in Tech et d'un cocktail. Le compteur des engagements affichait alors "
                "plus de 830 engagements pris par plus de 400 entités, pour une valeur de plus "
                "de 36 milliards USD.\n\nDans cette démonstration, les intervenants sont des "
                "données d'exemple."),
        },
        "ar": {
            "title": "الاجتماع السنوي لتحالف الشراكة من أجل التوصيل الرقمي لعام 2023",
            "description": (
                "الاجتماع السنوي لتحالف الشراكة من أجل التوصيل الرقمي (Partner2Connect)، حضورياً "
                "مع مشاركة افتراضية: "
                "يُحتفى فيه بالتعهدات الجديدة ويُعرض التقدم المحرز في التعهدات السابقة. ويعقبه "
                "حفل توزيع جوائز EQUALS in Tech وحفل استقبال. وقد أظهر عدّاد التعهدات حينها "
                "أكثر من 830 تعهداً من أكثر من 400 جهة، بقيمة تتجاوز 36 مليار دولار أمريكي."
                "\n\nالمتحدثون في هذا العرض التجريبي بيانات نموذجية."),
        },
    }),
    "p2c-roundtable-kigali-2022": (("en", "fr"), {
        "fr": {"title": "Table ronde Partner2Connect de l'UIT sur le développement numérique",
               "description": ""},
    }),
    "sample-digital-roundtable": (("en", "fr", "es"), {
        "fr": {"title": "Exemple de table ronde sur le développement numérique (démo)",
               "description": ""},
        "es": {"title": "Mesa redonda de ejemplo sobre desarrollo digital (demostración)",
               "description": ""},
    }),
}


def _languages(created: list[str]) -> None:
    changed = 0
    for slug, (languages, translations) in DEMO_LANGUAGES.items():
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if event is None or tuple(event.languages or ()) != ("en",) or event.translations:
            continue
        event.default_language, event.languages = "en", languages
        for code, text in translations.items():
            event.translations[code] = EventTranslation(language=code, **text)
        changed += 1
    if changed:
        created.append(f"languages of {changed} events")


# Features add loaders (sample registrations, sample pledges...) with
# register_demo_loader; each must be idempotent on its own and must not commit.
_EXTRA_LOADERS: dict[str, Callable[[list[str]], None]] = {}


def register_demo_loader(name: str, loader: Callable[[list[str]], None]) -> None:
    """Run ``loader(created)`` after the core demo data, in the same transaction."""
    _EXTRA_LOADERS[name] = loader


def load_demo() -> DemoReport:
    """Load everything missing, in one transaction."""
    created: list[str] = []
    organizer = _user(*DEMO_ORGANIZER, "Demo Organizer", created)
    staff = _user(*DEMO_CHECKIN, "Demo Door Staff", created)
    _user(*DEMO_ATTENDEE, "Demo Attendee", created)
    _kigali(created, organizer, staff)
    _geneva(created, organizer, staff)
    _upcoming(created, organizer, staff)
    db.session.flush()
    _languages(created)
    db.session.flush()
    for _name, loader in sorted(_EXTRA_LOADERS.items()):
        loader(created)
    db.session.commit()
    return DemoReport(created)
