"""A floor of agents on one vendor account: a shared limiter and cache on Redis (issue 19).

Optional: only a `[team]` section in the config turns it on (`wiring.install`). Modules:
`settings` (the section, the password's secret), `client` (the Redis connection, every call
bounded), `health` (offline/online, said once), `limiter` (the kit's `Limiter` on `limits`'
moving window), `cache` (shared entries with single-flight, models as JSON by `models.codec`),
`source` (a vendor connector behind the shared cache), `wiring` (the hook points).

Nothing here imports textual; `redis` and `limits` are imported only once a team is in use.
"""
