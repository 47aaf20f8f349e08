"""The recipient's requirements (needs): the monthly priority list and each need's lifecycle.

Guarantees: every status change goes through ``nsatu.core.lifecycles.REQUIREMENT``; the approved
quantity never exceeds the requested one; synthetic (demo) needs are flagged; every edit checks the
row's version.
"""
