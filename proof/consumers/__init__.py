"""The consumer proof: what applications do with the artifacts, tried with real software.

A real PostgreSQL server (Debian's package) on 127.0.0.1, TLS from a throwaway test CA that stands in
for AWS's RDS trust store, a certificate for the artifacts' hostnames and SSL-only ``pg_hba`` (what
``rds.force_ssl`` does) (``server``); three real clients that connect using nothing but an artifact
payload (``contract``, ``clients``): ``psql`` (libpq keyword parameters), and a ``DATABASE_URL`` built as
Massdriver's application templates build it, handed to Python's psycopg and to Node's ``pg``
(``node/``, pinned by its own lock file). ``passwords`` draws root passwords with the shipped
``random_password`` arguments through real Terraform and the random stand-in; ``proof`` runs every
password through every client and reports, per client, how many it accepted and why it refused the rest.
"""
