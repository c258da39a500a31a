"""The programme: organizers build it (sessions, panels, people); everyone reads it
(pages, calendars, frab XML/JSON, API)."""
