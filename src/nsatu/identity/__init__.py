"""Identity: users (role, nation, organisation, hub), their passwords, API tokens and web sessions.

Guarantees: passwords are argon2 hashes (rehashed when the parameters change); tokens and session
ids are stored only as SHA-256 hashes and can expire and be revoked; five failed sign-ins lock an
account for fifteen minutes; a disabled user's credentials stop working at once. A user's role
fits its scope: nation-bound roles name a nation of the right kind, a hub operator names a hub.
"""
