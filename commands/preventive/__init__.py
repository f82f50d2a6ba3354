"""Preventive maintenance (contract IV 1.2, 2.6): planned tasks, their reminders, the work done on them.

``plan`` turns the configuration into stored occurrences; ``sweep`` sends reminders and overdue notices
and completes archive tasks from the backups; ``commands`` is the chat (/tasks, /task); ``protocol``
gathers a completed task's or a fixed incident's facts for its PDF.
"""
