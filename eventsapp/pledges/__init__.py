"""Pledges: announced at sessions, counted live, tracked until fulfilled."""
