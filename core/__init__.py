"""The ground floor: what every app uses and nothing of the desk's own parts.

Counters, the transactional outbox, model rows built once, request signatures and replay keys,
text in three languages, the administration's base class, permission helpers, the template
filters every page uses, the SQLite connections and the test helpers. It imports no app of the desk.
"""
