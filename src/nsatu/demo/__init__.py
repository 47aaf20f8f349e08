"""Demo data: the real Kiel Ukraine Support Tracker R7 pledges plus reference data and synthetic needs.

``service.load_demo(session)`` fills an empty database (it raises ``DatabaseNotEmpty`` otherwise) and only
flushes; the caller owns the transaction. Every Kiel row becomes exactly one offer line, keyed by
``(source, source_ref)``; every generated need carries ``is_synthetic=True``. Data ships in ``nsatu/data``.
``execution.load_execution(session, today=...)`` then adds SYNTHETIC accepted allocations and the
consignments made from them, in every state, through the services (only where no allocation exists).
"""
