"""The audit trail: read, verify and export the hash-chained log of every write.

Entries are appended by the hook in :mod:`nsatu.db.auditing`, in the transaction of the write; this
domain never writes one. Guarantees: only auditors and coordinators (and in-process code) can read
the log, everyone else is told it does not exist (404); verification names the first entry that was
modified, deleted, inserted or reordered; CSV exports are safe to open in a spreadsheet.
"""
