"""Training offered by host nations: courses, their scheduled events, and requests for seats on them.

Guarantees: a course is hosted by a nation marked as host, at a training centre; an event ends no
earlier than it starts; the requested, confirmed and attended seats of an event never exceed the
seats it offers; seats are requested only while the event is planned or open; statuses change only
through ``nsatu.core.lifecycles`` (``TRAINING_EVENT``, ``SEAT_REQUEST``); every edit checks the version.
"""
