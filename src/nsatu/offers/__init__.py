"""Offers and pledges from donor nations: what is offered, its valuation, and its stage.

Guarantees: every stage change goes through ``nsatu.core.lifecycles.OFFER``; a line's parent has the
same donor and the parent links never form a cycle (so totals count each pledge tree once); a published
line (``source``, ``source_ref``) is stored at most once; every edit checks the row's version.
"""
