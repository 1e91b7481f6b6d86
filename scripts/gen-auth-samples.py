#!/usr/bin/env python3
"""Writes samples/auth/: sample keys, a CA with client certificates, API keys, and traffic for each auth mode.

EVERY KEY WRITTEN HERE IS A SAMPLE, PUBLISHED IN THIS REPOSITORY: never use one for anything real.

Independent of dpwall's Swift code (it uses Python's `cryptography`), so the end-to-end tests check dpwall against
another implementation. Run from the repository root: python3 scripts/gen-auth-samples.py
"""
import base64
import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OUT = "samples/auth"
KEYS = OUT + "/keys"
BANNER = "SAMPLE KEY FROM THE DPWALL REPOSITORY: PUBLIC, NEVER USE IT FOR ANYTHING REAL"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def private_pem(key) -> str:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return f"# {BANNER}\n{pem}"


def jwt(header: dict, claims: dict, sign) -> str:
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(claims, separators=(",", ":")).encode())
    return signing_input + "." + b64url(sign(signing_input.encode()))


def main() -> None:
    os.makedirs(KEYS, exist_ok=True)
    # JWT keys: ES256 and EdDSA.
    es = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    numbers = es.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "EC", "kid": "sample-es256", "crv": "P-256", "alg": "ES256",
         "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))},
        {"kty": "OKP", "kid": "sample-ed25519", "crv": "Ed25519",
         "x": b64url(ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))},
    ]}
    write(KEYS + "/jwks.json", json.dumps(jwks, indent=2) + "\n")
    write(KEYS + "/jwt-es256.SAMPLE.key.pem", private_pem(es))
    write(KEYS + "/jwt-ed25519.SAMPLE.key.pem", private_pem(ed))

    def es256(data: bytes) -> bytes:
        r, s = decode_dss_signature(es.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    # A CA, and client certificates (CN = client, DNS SAN = client.clients.example).
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dpwall SAMPLE clients CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    write(KEYS + "/clients-ca.pem", ca.public_bytes(serialization.Encoding.PEM).decode())
    write(KEYS + "/clients-ca.SAMPLE.key.pem", private_pem(ca_key))

    def client_cert(name: str, issuer_key, issuer_name, not_after=end) -> str:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(not_after)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(f"{name}.clients.example")]),
                               critical=False)
                .sign(issuer_key, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    certs = {name: client_cert(name, ca_key, ca_name) for name in ["acme", "globex", "wonka"]}
    for name, pem in certs.items():
        write(f"{KEYS}/client-{name}.pem", pem)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue CA")])
    rogue = client_cert("acme", rogue_key, rogue_name)
    short_lived = client_cert("globex", ca_key, ca_name,
                              not_after=datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc))

    # API keys: the policy holds only their SHA-256 digests.
    api_keys = {"acme": "dpw_SAMPLE_acme_8c1f6d2e9b7a4c3d", "globex": "dpw_SAMPLE_globex_51e0a9f3c2b8d7e6",
                "wonka": "dpw_SAMPLE_wonka_0b9c8d7e6f5a4b3c"}
    write(KEYS + "/api-keys.SAMPLE.txt", f"# {BANNER}\n" +
          "".join(f"{client} {key} sha256={hashlib.sha256(key.encode()).hexdigest()}\n"
                  for client, key in api_keys.items()))

    body = ('"model":"scores","request":{"inputs":[{"name":"x","datatype":"FP32","shape":[1,2],"data":[[0.5,0.25]]}]},'
            '"response":{"outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[[0.9,0.1]]}]}')

    def record(i: int, ts: str, extra: str) -> str:
        return '{"id":"r%d","ts":"%s",%s,%s}\n' % (i, ts, extra, body)

    def cred(kind: str, value: str) -> str:
        return '"credentials":{"%s":%s}' % (kind, json.dumps(value))

    # api_key traffic.
    lines = []
    ts = "2026-11-27T10:00:%02d.000Z"
    for i, client in enumerate(["acme", "globex", "wonka", "acme", "wonka"]):
        lines.append(record(i, ts % i, cred("api_key", api_keys[client])))
    lines.append(record(5, ts % 5, cred("api_key", api_keys["acme"][:-1] + "x")))       # wrong key
    lines.append(record(6, ts % 6, '"client":"globex",' + cred("api_key", api_keys["acme"])))  # names another client
    lines.append(record(7, ts % 7, '"client":"acme"'))                                     # no credentials
    write(OUT + "/api-key.jsonl", "".join(lines))

    # jwt traffic: tokens valid for 2026-2036 unless said otherwise.
    exp = int(end.timestamp())
    nbf = int(start.timestamp())
    base = {"iss": "https://auth.example.com/", "aud": "inference", "nbf": nbf, "exp": exp}
    tokens = [
        jwt({"alg": "ES256", "kid": "sample-es256", "typ": "JWT"}, {**base, "sub": "acme", "tier": "pro"}, es256),
        jwt({"alg": "EdDSA", "kid": "sample-ed25519", "typ": "JWT"}, {**base, "sub": "globex", "tier": "internal"},
            ed.sign),
        jwt({"alg": "ES256", "kid": "sample-es256", "typ": "JWT"}, {**base, "sub": "wonka"}, es256),
        jwt({"alg": "ES256", "kid": "sample-es256"}, {**base, "sub": "acme", "exp": nbf + 3600}, es256),  # expired
        jwt({"alg": "none"}, {**base, "sub": "acme", "tier": "pro"}, lambda data: b""),               # unsigned
        jwt({"alg": "ES256", "kid": "sample-es256"}, {**base, "sub": "acme", "aud": "billing"}, es256),  # audience
    ]
    lines = [record(i, ts % i, cred("bearer", token)) for i, token in enumerate(tokens)]
    lines.append(record(len(tokens), ts % len(tokens), cred("bearer", tokens[0])))  # the same token again
    write(OUT + "/jwt.jsonl", "".join(lines))

    # client_cert traffic.
    pems = [certs["acme"], certs["globex"], certs["wonka"], rogue, short_lived]
    lines = [record(i, ts % i, cred("client_cert", pem)) for i, pem in enumerate(pems)]
    write(OUT + "/client-cert.jsonl", "".join(lines))


if __name__ == "__main__":
    main()
