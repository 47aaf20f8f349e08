"""Planning: allocations of offer lines to requirements (manual now; plan runs of the optimiser later).

Guarantees: an allocation never takes more than the offer line has left, only matches an item of the
need's substitution family, only targets a need that is open for coverage, and changes status only
through ``nsatu.core.lifecycles.ALLOCATION``.
"""
