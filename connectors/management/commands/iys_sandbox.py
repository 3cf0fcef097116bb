import tempfile

from django.core.management.base import BaseCommand

from connectors.sandbox.server import SandboxConfig, SandboxServer
from connectors.sandbox.state import SandboxState


class Command(BaseCommand):
    help = ("Run the İYS sandbox: the İYS consent API and iletiMerkezi's consent API on "
            "loopback, strict like the real services, with optional fault injection.")

    def add_arguments(self, parser):
        defaults = SandboxConfig()
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--state-dir", default="",
                            help="Where the sandbox keeps its data (default: a new temp dir).")
        parser.add_argument("--username", default=defaults.username)
        parser.add_argument("--password", default=defaults.password)
        parser.add_argument("--iys-code", default=defaults.iys_code)
        parser.add_argument("--brand-code", default=defaults.brand_code)
        parser.add_argument("--iletimerkezi-key", default=defaults.iletimerkezi_key)
        parser.add_argument("--iletimerkezi-hash", default=defaults.iletimerkezi_hash)
        parser.add_argument("--iletimerkezi-quota", type=int,
                            default=defaults.iletimerkezi_quota,
                            help="Records accepted before iletiMerkezi answers 405.")
        parser.add_argument("--iletimerkezi-inactive", action="store_true",
                            help="No active İYS subscription at iletiMerkezi (403).")
        parser.add_argument("--latency", type=float, default=0.0,
                            help="Seconds added to every answer.")
        parser.add_argument("--error-rate", type=float, default=0.0,
                            help="Share of requests answered 500 H015 (0-1).")
        parser.add_argument("--requests-per-second", type=int,
                            default=defaults.requests_per_second,
                            help="Requests a second per client address before 429 H124 "
                                 "(limits.md: 10; 0: no limit).")
        parser.add_argument("--status-per-hour", type=int, default=defaults.status_per_hour,
                            help="Single status queries an hour per address before 429 H086 "
                                 "(0: no limit).")
        parser.add_argument("--consent-quota", type=int, default=0,
                            help="Consents the subscription may add before 422 H525 "
                                 "(0: no limit).")
        parser.add_argument("--busy-rate", type=float, default=0.0,
                            help="Share of requests answered 400 H123 'service busy' (0-1).")
        parser.add_argument("--rate-limit-rate", type=float, default=0.0,
                            help="Share of requests answered 429 H124 (0-1).")
        parser.add_argument("--retry-after", type=float, default=defaults.retry_after,
                            help="Retry-After seconds sent with a 429.")
        parser.add_argument("--drop-rate", type=float, default=0.0,
                            help="Share of requests processed whose answer is never sent.")
        parser.add_argument("--token-lifetime", type=float, default=defaults.token_lifetime,
                            help="expires_in of access tokens, in seconds.")
        parser.add_argument("--token-rate-limit", type=int, default=defaults.token_rate_limit,
                            help="Token grants per hour before answering 429 H084 "
                                 "(0: no limit).")
        parser.add_argument("--bulk-delay", type=float, default=defaults.bulk_delay,
                            help="Seconds after a bulk request (answered 202) before its results "
                                 "are given; an empty list until then (İYS: 300).")
        parser.add_argument("--changes-hold-back", type=float,
                            default=defaults.changes_hold_back,
                            help="Changes newer than this many seconds are not pulled yet.")
        parser.add_argument("--fault-seed", type=int, default=None)
        parser.add_argument("--seed-citizen-changes", type=int, default=0,
                            help="Create N citizens' own consents (source=IYS) at start.")

    def handle(self, *args, **options):
        config = SandboxConfig(
            username=options["username"], password=options["password"],
            iys_code=options["iys_code"], brand_code=options["brand_code"],
            token_lifetime=options["token_lifetime"],
            token_rate_limit=options["token_rate_limit"], latency=options["latency"],
            error_rate=options["error_rate"], rate_limit_rate=options["rate_limit_rate"],
            busy_rate=options["busy_rate"], consent_quota=options["consent_quota"],
            requests_per_second=options["requests_per_second"],
            status_per_hour=options["status_per_hour"],
            retry_after=options["retry_after"], drop_rate=options["drop_rate"],
            bulk_delay=options["bulk_delay"], changes_hold_back=options["changes_hold_back"],
            iletimerkezi_key=options["iletimerkezi_key"],
            iletimerkezi_hash=options["iletimerkezi_hash"],
            iletimerkezi_active=not options["iletimerkezi_inactive"],
            iletimerkezi_quota=options["iletimerkezi_quota"], fault_seed=options["fault_seed"])
        state_dir = options["state_dir"] or tempfile.mkdtemp(prefix="iys-sandbox-")
        state = SandboxState(state_dir)
        if options["seed_citizen_changes"] and not state.consent_rows("IYS"):
            state.seed_citizen_changes(options["seed_citizen_changes"])
        server = SandboxServer((options["host"], options["port"]), config, state)
        self.stdout.write(f"İYS sandbox on {server.url} (state in {state.path}); "
                          f"İYS code {config.iys_code}, brand code {config.brand_code}, "
                          f"user {config.username}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            state.close()
