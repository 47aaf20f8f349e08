"""Delivery: proof of delivery (receipts), discrepancy reports with attachments, the quantity ledger
of offer lines and needs, and the accountability of serial-tracked items (end-use checks, repairs).

Guarantees: a receipt's good, damaged, lost and rejected quantities add up to what each consignment
line carried, every quantity other than good has a reason; it is verified by another user than the
one who recorded it, and a verified receipt no longer changes; offer stages and need coverage follow
the ledger; every edit checks the row's version.
"""
