"""Readers and writers of the files reps bring and take: CSV, vCard, iCalendar."""
