"""Watching the SLA clocks: the scan that fires warnings and breaches, who is told, the report,
and the changes to calendars and policies that move open tickets' due times.

It acts on tickets only through ``tickets``' actions; the clock itself (``sla``) sits below
``tickets``.
"""
