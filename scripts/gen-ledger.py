#!/usr/bin/env python3
"""Seeded generator of a big dpwall budget ledger (SQLite), for benchmarking `dpwall report` and `budget show`.

    scripts/gen-ledger.py OUT.db --clients 1000000 --charges 20000000 --seed 1
    scripts/gen-ledger.py /tmp/small.db --clients 1000 --charges 20000 --seed 1 --force

The file is what `dpwall filter` would have left after one day of traffic under samples/policy.yaml with
`accounting: basic`: the ledger schema at version 3 (the three GRDB migrations of SQLiteLedger.swift recorded in
`grdb_migrations`, so the binary opens it as fully migrated), in WAL mode, page size 4096. Standard library only;
the same arguments give the same file content (every random value, digests included, comes from
`random.Random(seed)`).

Clients `client-0000001`... (zero-padded, so that name order is number order) are drawn into tiers as in
samples/policy.yaml: free 70 % (ε 1, δ 1e-6, window 1d, quota 10000/day), pro 25 % (ε 10, δ 1e-5, window 30d,
quota 1000000/month), internal 5 % (ε 100, δ 1e-4, window 1d, quota 100000000/month). Every event time is in the
UTC day 2026-11-26. Budget windows are the policy's tumbling windows aligned to 1970 (Policy.BudgetWindow.span):
1d -> [2026-11-26, 2026-11-27); 30d -> [2026-11-03, 2026-12-03) (1793664000000 to 1796256000000 ms; not
2026-11-01: a 30d window is not a calendar month). Quota windows are the UTC day, or the calendar month
[2026-11-01, 2026-12-01) for `/month` quotas (Policy.Quota.Window.span).

Charges. Each client has one window and charges `r-1`, `r-2`, ... in event-time order (ids per client), each a
Laplace release of ε 0.05, 0.1 or 0.5 (δ 0), a 32-byte digest of seeded random bytes, keyed 0. A client's ε mix is
one of four profiles (mixed 0.05/0.1/0.5 at 60/30/10 %, or only 0.05, only 0.1, only 0.5), so the Laplace
histograms differ. Charges per client are skewed: a target drawn from a lognormal (sigma --sigma) scaled per tier
(free 1, pro 6, internal 40), at least 1 per client, normalised so the targets sum to exactly --charges. A
client is charged as the filter would charge it: a charge is taken while the Σε after it stays within the limit
(the filter's relative slack of 1e-12, BudgetStage.slack: 20 charges of 0.05 sum to 1.0000000000000002 and pass a
limit of 1); at the first charge that does not fit the client stops, and its window counts 1-5 `denials` (the
refused record and its retries). The charges a stopped client could not take go to clients that still have room
(picked by the same weights, in rounds), so the total is exactly --charges; the run fails (exit 1) when the
clients' limits cannot hold that many. --charges must be at least --clients.

Windows (one per client) hold the state PrivacyAccount.add would have built, accumulated in event-time order as
Swift does it: sum_epsilon = spent_epsilon = Σ ε (basic composition: the spend is Σε while Σδ <= the δ limit),
sum_delta = spent_delta = 0, rho = Σ ε²/2 (RowCost.rho: pure ε-DP is ε²/2-zCDP; a real ledger has it even under
basic accounting), sum_mu_squared = 0 (no Gaussian release), releases = the number of charges, granted 0,
first_seen / last_seen = the first and last charge's event time, tier and limit_epsilon / limit_delta from the tier.

`laplace` is SQLiteLedger.encode(account.laplaceCounts): the Laplace groups as `ε:count` pairs joined by `;`, in the
order each ε was first charged, ε printed as Swift prints a Double (shortest round trip, which is Python's repr for
these values), e.g. `0.5:2` or `0.05:12;0.1:5;0.5:1`. An account without Laplace releases has ``.

Limits (one row per client, as LimitStage leaves it): tier, rate_excess 0, rate_last = last_seen, rate_seen 1 (a
Bool: the client was seen), the quota window of the tier, quota_count = releases, quota_limit of the tier,
rate_denials 1-40 for ~2 % of clients, and for ~2 % of free clients quota_denials 1-40 with quota_count raised to
the quota (a quota denial only happens once the quota is used up; the allowed requests beyond the releases are
records without a privacy cost). No audit_head row, no adjustments, no global-limit row.

Loading: the file is written as OUT.partial and renamed at the end; journal off and synchronous off during the
load, one transaction, rows appended in primary-key order (client, then id as text: r-1, r-10, r-11, ..., r-2),
the charges_keyed_content index (empty: no keyed charge) created after the load, then the journal mode set to WAL
as the binary leaves it.
"""

import argparse
import datetime
import itertools
import math
import os
import random
import sqlite3
import sys
import time

MIGRATIONS = [
    # SQLiteLedger.migrator, in order (grep -rn registerMigration Sources/DPWallStore).
    "v1: windows, charges, audit head",
    "v2: window spans and limits, keyed charges, budget adjustments",
    "v3: request limits and quotas",
]

# The schema as sqlite_master holds it after the three migrations (a ledger written by `dpwall filter` shows
# exactly this in `sqlite3 LEDGER .schema`).
SCHEMA = """
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
CREATE TABLE windows (
    client TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    sum_epsilon REAL NOT NULL,
    sum_delta REAL NOT NULL,
    rho REAL NOT NULL,
    sum_mu_squared REAL NOT NULL,
    releases INTEGER NOT NULL,
    laplace TEXT NOT NULL, window_end INTEGER NOT NULL DEFAULT 9223372036854775807, tier TEXT NOT NULL DEFAULT '', limit_epsilon REAL NOT NULL DEFAULT 0, limit_delta REAL NOT NULL DEFAULT 0, granted_epsilon REAL NOT NULL DEFAULT 0, granted_delta REAL NOT NULL DEFAULT 0, spent_epsilon REAL NOT NULL DEFAULT 0, spent_delta REAL NOT NULL DEFAULT 0, denials INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL DEFAULT 0, last_seen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, window_start)
) WITHOUT ROWID;
CREATE TABLE charges (
    client TEXT NOT NULL,
    id TEXT NOT NULL,
    digest BLOB NOT NULL,
    event_time INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    epsilon REAL NOT NULL,
    delta REAL NOT NULL, keyed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, id)
) WITHOUT ROWID;
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chain BLOB NOT NULL,
    seq INTEGER NOT NULL
);
"""

# Created after the load (it is empty anyway: no charge is keyed); sqlite_master keeps it between audit_head and
# adjustments in a real ledger, which does not matter to SQLite or GRDB.
INDEX = """
CREATE UNIQUE INDEX charges_keyed_content ON charges (client, window_start, digest)
    WHERE keyed = 1;
"""

SCHEMA_REST = """
CREATE TABLE adjustments (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('grant', 'reset')),
    client TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    epsilon REAL NOT NULL,
    delta REAL NOT NULL,
    at INTEGER NOT NULL,
    by TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE limits (
    client TEXT PRIMARY KEY,
    tier TEXT NOT NULL DEFAULT '',
    rate_excess INTEGER NOT NULL,
    rate_last INTEGER NOT NULL,
    rate_seen INTEGER NOT NULL,
    quota_window_start INTEGER NOT NULL,
    quota_window_end INTEGER NOT NULL,
    quota_count INTEGER NOT NULL,
    quota_limit INTEGER NOT NULL,
    rate_denials INTEGER NOT NULL,
    quota_denials INTEGER NOT NULL
) WITHOUT ROWID;
"""

DAY_MS = 86_400_000
DAY = 1_795_651_200_000  # 2026-11-26T00:00:00Z


def utc_ms(year, month, day):
    moment = datetime.datetime(year, month, day, tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 1000


MONTH = (utc_ms(2026, 11, 1), utc_ms(2026, 12, 1))
assert utc_ms(2026, 11, 26) == DAY


def budget_span(length_ms):
    """Policy.BudgetWindow.span(containing: DAY): the tumbling window aligned to 1970."""
    start = DAY // length_ms * length_ms
    return start, start + length_ms


# name, share, limit ε, limit δ, budget window, quota window, quota, target scale
TIERS = [
    ("free", 70, 1.0, 1e-6, budget_span(DAY_MS), (DAY, DAY + DAY_MS), 10_000, 1.0),
    ("pro", 25, 10.0, 1e-5, budget_span(30 * DAY_MS), MONTH, 1_000_000, 6.0),
    ("internal", 5, 100.0, 1e-4, budget_span(DAY_MS), MONTH, 100_000_000, 40.0),
]

EPSILONS = (0.05, 0.1, 0.5)
EPSILON_TEXT = tuple(repr(e) for e in EPSILONS)  # Swift's "\(epsilon)": 0.05, 0.1, 0.5
# ε profiles: (probability, cumulative weights over EPSILONS, or the single code)
PROFILES = [(50, (6, 9, 10)), (20, 0), (20, 1), (10, 2)]
SLACK = 1e-12  # BudgetStage.slack


def log(message):
    print(f"gen-ledger: {message}", file=sys.stderr, flush=True)


class Plan:
    """The charges of every client: its ε codes in event-time order, its Σε, whether it hit its limit."""

    def __init__(self, rng, clients, charges, sigma):
        self.rng = rng
        n = clients
        self.tier = rng.choices(range(len(TIERS)), weights=[t[1] for t in TIERS], k=n)
        self.profile = rng.choices(range(len(PROFILES)), weights=[p[0] for p in PROFILES], k=n)
        lognormal = rng.lognormvariate
        self.weight = [lognormal(0.0, sigma) * TIERS[t][7] for t in self.tier]
        self.codes = [None] * n
        self.sums = [0.0] * n
        self.full = [False] * n
        self.limit = [TIERS[t][2] * (1 + SLACK) for t in self.tier]

        # Targets: 1 each, and the rest in proportion to the weights (floors, then the leftover by weighted draws).
        rest = charges - n
        total = math.fsum(self.weight)
        target = [1 + int(rest * w / total) for w in self.weight]
        leftover = charges - sum(target)
        for i in rng.choices(range(n), weights=self.weight, k=leftover):
            target[i] += 1
        placed = 0
        for i in range(n):
            self.codes[i] = bytearray()
            placed += self.extend(i, target[i])
        deficit = charges - placed
        log(f"planned {placed} charges by target, {deficit} over the limits of {sum(self.full)} clients: "
            "giving them to clients with room")
        rounds = 0
        while deficit > 0:
            rounds += 1
            room = [i for i in range(n) if not self.full[i]]
            if not room:
                raise SystemExit(f"gen-ledger: the clients' limits cannot hold {charges} charges "
                                 f"({charges - deficit} fit): give fewer charges or more clients")
            if rounds <= 40:
                extra = [0] * n
                for i in rng.choices(room, weights=[self.weight[i] for i in room], k=deficit):
                    extra[i] += 1
                for i in room:
                    if extra[i]:
                        deficit -= self.extend(i, extra[i])
            else:
                # Nearly full: fill the remaining room client by client.
                for i in room:
                    deficit -= self.extend(i, deficit)
                    if deficit == 0:
                        break
        self.rounds = rounds
        assert sum(len(c) for c in self.codes) == charges

    def extend(self, i, count):
        """Charges up to `count` more records to client i, stopping at its limit; returns how many it took."""
        if self.full[i] or count <= 0:
            return 0
        profile = PROFILES[self.profile[i]][1]
        s = self.sums[i]
        limit = self.limit[i]
        # No more than the room left could hold at the smallest ε (and one more, to find the limit).
        count = min(count, int((limit - s) / EPSILONS[0]) + 2)
        if isinstance(profile, int):
            drawn = bytes((profile,)) * count
        else:
            drawn = bytes(self.rng.choices((0, 1, 2), cum_weights=profile, k=count))
        taken = 0
        for code in drawn:
            after = s + EPSILONS[code]
            if after > limit:
                self.full[i] = True
                break
            s = after
            taken += 1
        self.sums[i] = s
        self.codes[i] += drawn[:taken]
        return taken


def run_script(db, script):
    """Runs the statements of `script` one by one (executescript would commit the open transaction first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement.strip("\n"))


def id_order(n, cache={}):
    """Ids r-1..r-n as text, sorted as SQLite compares them (BINARY), with each one's index in event order."""
    order = cache.get(n)
    if order is None:
        keys = sorted(range(n), key=lambda k: str(k + 1))
        order = (keys, [f"r-{k + 1}" for k in keys])
        if n <= 5000:
            cache[n] = order
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="the ledger file to write")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--charges", type=int, default=20000, help="total charges, exactly (>= --clients)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sigma", type=float, default=1.0, help="lognormal sigma of the charges per client")
    parser.add_argument("--batch", type=int, default=250_000, help="rows per executemany")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    args = parser.parse_args()
    if args.clients < 1 or args.charges < args.clients:
        parser.error("need --clients >= 1 and --charges >= --clients")
    out = args.out
    if os.path.exists(out) and not args.force:
        raise SystemExit(f"gen-ledger: {out} exists (give --force to overwrite it)")

    began = time.monotonic()
    rng = random.Random(args.seed)
    plan = Plan(rng, args.clients, args.charges, args.sigma)
    planned = time.monotonic()
    full = sum(plan.full)
    most = max(len(c) for c in plan.codes)
    log(f"planned {args.charges} charges over {args.clients} clients in {planned - began:.1f} s "
        f"({plan.rounds} rounds of redistribution; {full} clients at their limit; at most {most} per client)")

    partial = out + ".partial"
    for path in (partial, partial + "-journal", partial + "-wal", partial + "-shm"):
        if os.path.exists(path):
            os.remove(path)
    db = sqlite3.connect(partial, isolation_level=None)
    db.execute("PRAGMA page_size = 4096")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("BEGIN")
    run_script(db, SCHEMA + SCHEMA_REST)
    db.executemany("INSERT INTO grdb_migrations (identifier) VALUES (?)", [(m,) for m in MIGRATIONS])

    insert_charges = ("INSERT INTO charges (client, id, digest, event_time, window_start, epsilon, delta) "
                      "VALUES (?, ?, ?, ?, ?, ?, 0.0)")
    insert_window = ("INSERT INTO windows (client, window_start, window_end, sum_epsilon, sum_delta, rho, "
                     "sum_mu_squared, releases, laplace, tier, limit_epsilon, limit_delta, granted_epsilon, "
                     "granted_delta, spent_epsilon, spent_delta, denials, first_seen, last_seen) "
                     "VALUES (?, ?, ?, ?, 0.0, ?, 0.0, ?, ?, ?, ?, ?, 0.0, 0.0, ?, 0.0, ?, ?, ?)")
    insert_limit = ("INSERT INTO limits (client, tier, rate_excess, rate_last, rate_seen, quota_window_start, "
                    "quota_window_end, quota_count, quota_limit, rate_denials, quota_denials) "
                    "VALUES (?, ?, 0, ?, 1, ?, ?, ?, ?, ?, ?)")

    width = max(7, len(str(args.clients)))
    charge_rows, window_rows, limit_rows = [], [], []
    written = 0
    next_report = 1_000_000
    rnd = rng.random
    randbytes = rng.randbytes
    randint = rng.randint
    eps_of = [EPSILONS[c] for c in range(3)]
    rho_of = [1.0 * (e * e / 2) for e in EPSILONS]  # PrivacyAccount.add: rho += n * cost.rho
    repeat = itertools.repeat
    load_began = time.monotonic()
    for i in range(args.clients):
        client = f"client-{i + 1:0{width}d}"
        name, _, limit_eps, limit_delta, (w_start, w_end), (q_start, q_end), quota, _ = TIERS[plan.tier[i]]
        codes = plan.codes[i]
        n = len(codes)
        times = sorted([int(rnd() * DAY_MS) + DAY for _ in range(n)])
        digests = randbytes(32 * n)
        keys, ids = id_order(n)
        charge_rows.extend(zip(repeat(client), ids, [digests[32 * k:32 * k + 32] for k in keys],
                               [times[k] for k in keys], repeat(w_start), [eps_of[codes[k]] for k in keys]))
        # The account, accumulated in event-time order as PrivacyAccount.add does.
        sum_eps = 0.0
        rho = 0.0
        groups = {}
        for code in codes:
            sum_eps += 1.0 * eps_of[code]
            rho += rho_of[code]
            groups[code] = groups.get(code, 0) + 1
        laplace = ";".join(f"{EPSILON_TEXT[c]}:{count}" for c, count in groups.items())
        denials = randint(1, 5) if plan.full[i] else 0
        window_rows.append((client, w_start, w_end, sum_eps, rho, n, laplace, name, limit_eps, limit_delta,
                            sum_eps, denials, times[0], times[-1]))
        rate_denials = randint(1, 40) if rnd() < 0.02 else 0
        quota_count, quota_denials = n, 0
        if name == "free" and rnd() < 0.02:
            quota_count, quota_denials = quota, randint(1, 40)
        limit_rows.append((client, name, times[-1], q_start, q_end, quota_count, quota, rate_denials,
                           quota_denials))
        if len(charge_rows) >= args.batch:
            db.executemany(insert_charges, charge_rows)
            written += len(charge_rows)
            charge_rows.clear()
            if len(window_rows) >= args.batch // 4:
                db.executemany(insert_window, window_rows)
                db.executemany(insert_limit, limit_rows)
                window_rows.clear()
                limit_rows.clear()
            if written >= next_report:
                elapsed = time.monotonic() - load_began
                log(f"{written:,} charges, {i + 1:,} clients, {elapsed:.1f} s ({written / elapsed:,.0f} charges/s)")
                next_report = (written // 1_000_000 + 1) * 1_000_000
    db.executemany(insert_charges, charge_rows)
    written += len(charge_rows)
    db.executemany(insert_window, window_rows)
    db.executemany(insert_limit, limit_rows)
    loaded = time.monotonic()
    log(f"loaded {written:,} charges in {loaded - load_began:.1f} s; creating the index")
    run_script(db, INDEX)
    db.execute("COMMIT")
    indexed = time.monotonic()
    db.execute("PRAGMA locking_mode = NORMAL")
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    counts = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("windows", "charges", "limits")]
    db.close()
    for path in (out, out + "-wal", out + "-shm", out + "-journal"):
        if os.path.exists(path):
            os.remove(path)
    os.replace(partial, out)
    done = time.monotonic()
    size = os.path.getsize(out)
    log(f"done: {out}: {counts[0]:,} windows, {counts[1]:,} charges, {counts[2]:,} limits, journal {mode}, "
        f"{size / 1e6:,.1f} MB in {done - began:.1f} s (plan {planned - began:.1f} s, load "
        f"{loaded - load_began:.1f} s, index {indexed - loaded:.1f} s)")


if __name__ == "__main__":
    main()
