"""The cryptographic core of certificates, free of the database and HTTP.

- `signer`: CA keys behind a `Signer` interface (`FileSigner`: encrypted PEM files).
- `authority`: the root and issuing CAs; user certificates; CSR checks.
- `status`: the full CRL and OCSP responses.
- `signatures`: detached CMS and JWS (ES256, x5c) e-signatures.
- `custody`: server-held private keys sealed under the PIN and the server secret.

The service layer keeps serials, statuses, the CRL number and sealed keys in the database and
calls these functions; OpenSSL checks what they make in the tests.
"""
