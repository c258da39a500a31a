"""Helpers shared by the test modules (factories of bulk data, the SMTP server, the
fuzz suites' world): one place, imported as ``tests.support.<module>``."""
