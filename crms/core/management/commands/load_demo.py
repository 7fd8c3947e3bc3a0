"""Demo data: users, operators and AEOs, watch list and criteria, and generated declarations."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from crms.accounts.demo import load_demo_users
from crms.declarations.models import Declaration

DEFAULT_DEMO_PASSWORD = "demo-crms-2026"  # noqa: S105 - a demo password, printed on purpose
DEMO_SEED = 7


class Command(BaseCommand):
    help = "Create demo users (Commission, FR, NL, DE: one per role), criteria and declarations. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD),
            help="Password for every demo user (default: $DEMO_PASSWORD or %(default)s)",
        )
        parser.add_argument(
            "--declarations",
            type=int,
            default=int(os.environ.get("DEMO_DECLARATIONS", "3000")),
            help="Generated ENS on first load (default 3000)",
        )
        parser.add_argument("--users-only", action="store_true", help="Only the demo users")

    def handle(self, *args, password, declarations, users_only, **options):
        from crms.declarations.synthetic import ensure_operator_pool
        from crms.learning.demo import load_demo_model
        from crms.learning.prices import compute_price_baselines
        from rif.demo import load_demo_rif
        from risk_engine.dataquality import learn_credibility_bounds
        from risk_engine.demo import load_demo_criteria
        from workbench.demo import load_demo_workbench

        accounts = load_demo_users(password=password)
        if not users_only:
            self.stdout.write(f"[1/7] operators and AEO authorisations: {ensure_operator_pool(DEMO_SEED)}")
            self.stdout.write(f"[2/7] demo criteria published now: {load_demo_criteria()}")
            if declarations and not Declaration.objects.filter(lrn__startswith="DEMO-").exists():
                self.stdout.write(f"[3/7] generating {declarations} declarations (screened by the worker)")
                call_command(
                    "generate_ens",
                    count=declarations,
                    seed=DEMO_SEED,
                    lrn_prefix="DEMO",
                    spread_days=1.0,
                    stdout=self.stdout,
                )
            else:
                self.stdout.write("[3/7] demo declarations already present")
            self.stdout.write(f"[4/7] credibility bounds learned: {learn_credibility_bounds()}")
            self.stdout.write(f"[5/7] workbench: {load_demo_workbench()}")
            self.stdout.write(f"      risk information, crisis alert and PCA: {load_demo_rif()}")
            self.stdout.write(f"[6/7] risk model: {load_demo_model()}")
            # After the history the model imported: the baselines learn from it and the demo ENS alike.
            computed = compute_price_baselines()
            self.stdout.write(f"[7/7] price baselines: {computed.baselines} (outliers at /prices/outliers/)")
        self.stdout.write(f"Demo users (password for all: {password})")
        for username, org, role, token in accounts:
            line = f"  {username:<28} {org:<3} {role}"
            if token:
                line += f"  API token: {token}"
            self.stdout.write(line)
