#!/usr/bin/env bash
# Authentication and request limits end to end: `dpwall filter` on fraud-model traffic, interleaved runs of
#   base     trusted clients, no rate limits or quotas (the sample policy with rate, burst and quota removed);
#   limits   trusted clients, a rate limit and a quota for every client (high enough that none is denied);
#   api_key  the same limits, every record carrying credentials.api_key instead of client;
#   jwt      the same limits, every record carrying an ES256 bearer token (one token per client, reused);
#   apikey-base, jwt-base   the api_key and jwt inputs with the client field kept, under base (trusted, no
#            limits): the same bytes to parse, without authentication or limits.
# The transformed inputs hold the same records; times are compared, not MB/s (a bearer token adds ~300 bytes to a
# record, which costs parsing whatever the mode). Ledger in memory, no audit. Prints medians and the ratios to
# base, and of api_key and jwt to their own -base.
#
#   scripts/bench-auth.sh [SIZE_BYTES] [RUNS]        (defaults: 100000000 bytes, 7 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100000000}
runs=${2:-7}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
python3 - "$input" .build-bench <<'PY'
import base64, hashlib, json, re, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
source, out = sys.argv[1], sys.argv[2]
policy = open("samples/policy.yaml").read()
base = re.sub(r"\n    (rate|burst|quota): [^\n]*", "", policy)
base = re.sub(r", rate: [^,}]*, burst: [^,}]*", "", base)
open(out + "/auth-base.yaml", "w").write(base)
limited = re.sub(r"(\n  (free|pro|internal):\n    models: [^\n]*)", r"\1\n    rate: 1000000/s\n    burst: 1000000\n    quota: 1000000000/month", base)
open(out + "/auth-limits.yaml", "w").write(limited)
b64 = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
key = ec.generate_private_key(ec.SECP256R1())
n = key.public_key().public_numbers()
jwks = {"keys": [{"kty": "EC", "kid": "k", "crv": "P-256", "alg": "ES256", "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}]}
open(out + "/auth-jwks.json", "w").write(json.dumps(jwks))
clients = sorted(set(re.findall(r'"client":"([^"]*)"', open(source).read(2_000_000))))
keys = {c: "bench-key-" + hashlib.sha256(c.encode()).hexdigest()[:24] for c in clients}
tiers = dict(re.findall(r"\n  ([a-z0-9-]+): \{ tier: ([a-z]+)", policy))
entries = "".join("    - { client: %s, sha256: %s%s }\n" % (c, hashlib.sha256(k.encode()).hexdigest(), ", tier: " + tiers[c] if c in tiers else "") for c, k in keys.items())
auth_api = "auth:\n  mode: api_key\n  default_tier: free\n  api_keys:\n" + entries
auth_jwt = "auth:\n  mode: jwt\n  default_tier: free\n  jwt:\n    jwks: auth-jwks.json\n    issuer: bench\n    audience: inference\n    tier_claim: tier\n"
strip_auth = lambda text: re.sub(r"\nauth:\n(  [^\n]*\n)+", "\n", text).replace("\nclients:", "\nclients:", 1)
open(out + "/auth-apikey.yaml", "w").write(strip_auth(limited).replace("\ntiers:", "\n" + auth_api + "\ntiers:", 1))
open(out + "/auth-jwt.yaml", "w").write(strip_auth(limited).replace("\ntiers:", "\n" + auth_jwt + "\ntiers:", 1))
def token(client):
    header = b64(json.dumps({"alg": "ES256", "kid": "k"}).encode())
    claims = {"iss": "bench", "aud": "inference", "sub": client, "exp": 4102444800}
    if client in tiers: claims["tier"] = tiers[client]
    body = header + "." + b64(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(body.encode(), ec.ECDSA(hashes.SHA256())))
    return body + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
tokens = {c: token(c) for c in clients}
names = ["apikey", "jwt", "apikey-base", "jwt-base"]
files = {n: open("%s/auth-%s.jsonl" % (out, n), "w") for n in names}
with open(source) as src:
    for line in src:
        m = re.search(r'"client":"([^"]*)"', line)
        if not m or m.group(1) not in keys:
            for f in files.values(): f.write(line)
            continue
        c = m.group(1)
        api = '"credentials":{"api_key":"%s"}' % keys[c]
        bearer = '"credentials":{"bearer":"%s"}' % tokens[c]
        files["apikey"].write(line.replace(m.group(0), api, 1))
        files["jwt"].write(line.replace(m.group(0), bearer, 1))
        files["apikey-base"].write(line.replace(m.group(0), m.group(0) + "," + api, 1))
        files["jwt-base"].write(line.replace(m.group(0), m.group(0) + "," + bearer, 1))
for f in files.values(): f.close()
PY
b=.build-bench
names="base limits apikey jwt apikey-base jwt-base"
for name in $names; do : >"$b/auth-$name.times"; done
run() { seconds "$dpwall" filter --quiet --progress never --policy "$b/auth-$2.yaml" --ledger :memory: --no-audit "$1"; }
for _ in $(seq "$runs"); do
    run "$input" base >>"$b/auth-base.times"
    run "$input" limits >>"$b/auth-limits.times"
    run "$b/auth-apikey.jsonl" apikey >>"$b/auth-apikey.times"
    run "$b/auth-jwt.jsonl" jwt >>"$b/auth-jwt.times"
    run "$b/auth-apikey-base.jsonl" base >>"$b/auth-apikey-base.times"
    run "$b/auth-jwt-base.jsonl" base >>"$b/auth-jwt-base.times"
done
base=$(median <"$b/auth-base.times")
records=$(wc -l <"$input")
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$records"
for name in $names; do
    t=$(median <"$b/auth-$name.times")
    printf '%-12s median %.3f s  %.0f records/s  ratio to base %.3f\n' "$name" "$t" "$(echo "$records / $t" | bc -l)" \
        "$(echo "$base / $t" | bc -l)"
done
for name in apikey jwt; do
    printf '%s with limits / %s-base (same bytes, trusted, no limits): %.3f\n' "$name" "$name" \
        "$(echo "$(median <"$b/auth-$name-base.times") / $(median <"$b/auth-$name.times")" | bc -l)"
done
"$dpwall" filter --progress never --policy "$b/auth-jwt.yaml" --ledger :memory: --no-audit "$b/auth-jwt.jsonl" 2>&1 >/dev/null | tail -1
"$dpwall" filter --progress never --policy "$b/auth-apikey.yaml" --ledger :memory: --no-audit "$b/auth-apikey.jsonl" 2>&1 >/dev/null | tail -1
