"""Supervision for the office (issue 14): cooperative card, risk ranking, pendamping visits, the report."""
