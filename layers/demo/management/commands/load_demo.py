"""``manage.py load_demo --size small|city|large [--seed N] [--if-empty | --replace]``"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from layers.common.checks import LOAD_CHECKS
from layers.demo.loader import DemoNotEmpty, IndexesPending, load_demo
from layers.demo.sizes import SIZES


class Command(BaseCommand):
    help = (
        "Load the demo city: the real boundaries of Casablanca and a deterministic synthetic city "
        "inside them (roads, parcels, green spaces, zoning plan, facilities)."
    )
    requires_system_checks = LOAD_CHECKS  # the models, the layer registry, the GIS settings

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same city")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty", action="store_true", help="do nothing if the layers already hold data"
        )
        group.add_argument(
            "--replace", action="store_true", help="empty the demo layers first (one transaction)"
        )
        history = parser.add_mutually_exclusive_group()
        history.add_argument(
            "--history",
            dest="history",
            action="store_true",
            default=None,
            help="record every inserted row in the history (default: small, city)",
        )
        history.add_argument(
            "--no-history",
            dest="history",
            action="store_false",
            help="disable the row-level history trigger during the load (default: large)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(
        self,
        *args,
        size: str,
        seed: int,
        if_empty: bool,
        replace: bool,
        history,
        no_progress: bool,
        **options,
    ) -> None:
        say = self.stdout.write
        say(f"load_demo: the {size} demo city, seed {seed}")
        try:
            report = load_demo(
                SIZES[size],
                seed,
                replace=replace,
                if_empty=if_empty,
                history=history,
                progress=not no_progress,
                say=say,
            )
        except IndexesPending as exc:
            raise CommandError(str(exc)) from exc
        except DemoNotEmpty as exc:
            raise CommandError(
                f"{exc}. Nothing was changed. Use --replace to empty the demo layers and load "
                "again, or --if-empty to skip."
            ) from exc
        if report.skipped:
            say("load_demo: the layers already hold data; nothing done (--if-empty).")
            return
        width = max(len(t) for t in report.counts)
        for table, count in report.counts.items():
            say(f"  {table:<{width}} {count:>10,}")
        say(
            f"load_demo: {sum(report.counts.values()):,} rows in {report.seconds:.1f} s "
            f"(generation {report.generate_seconds:.1f} s, COPY {report.copy_seconds:.1f} s, of which "
            f"index builds {report.index_seconds:.1f} s; then {report.deferred_indexes} indexes "
            f"built after the commit in {report.deferred_index_seconds:.1f} s); "
            f"history {'recorded' if report.history else 'not recorded (history triggers disabled during the load)'}."
        )
