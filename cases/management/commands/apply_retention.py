from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cases import retention


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today verwacht een datum als JJJJ-MM-DD, niet {value!r}.") from None


def report(stdout, result: retention.RetentionRun) -> None:
    """Per case only its reference and dates: never a name or any content."""
    would = result.dry_run
    day = result.today.strftime("%d-%m-%Y")
    stdout.write(f"Bewaartermijnen op {day}{' (proefdraai: er verandert niets)' if would else ''}:")
    for change in result.recomputed:
        old = change.old.strftime("%d-%m-%Y") if change.old else "geen"
        verb = "zou bewaard worden tot" if would else "wordt nu bewaard tot"
        stdout.write(f"  {change.case.reference}: {verb} {change.new:%d-%m-%Y} (was {old})")
    for case in result.postponed:
        verb = "zou nog niet vernietigd worden" if would else "wordt nog niet vernietigd"
        stdout.write(f"  {case.reference}: {verb}: de coördinator is nog niet gewaarschuwd; "
                     f"nieuwe datum {case.retain_until:%d-%m-%Y}")
    for case in result.warned:
        verb = "coördinator zou gewaarschuwd worden" if would else "coördinator gewaarschuwd"
        stdout.write(f"  {case.reference}: {verb} (vernietiging op {case.retain_until:%d-%m-%Y})")
    for case in result.destroyed:
        verb = "inhoud zou vernietigd worden" if would else "inhoud vernietigd"
        stdout.write(f"  {case.reference}: {verb} (bewaren tot {case.retain_until:%d-%m-%Y})")
    if not (result.recomputed or result.postponed or result.warned or result.destroyed):
        stdout.write("  Niets te doen.")
    stdout.write(f"Totaal: {len(result.recomputed)} termijnen bijgewerkt, {len(result.warned)} waarschuwingen, "
                 f"{len(result.destroyed)} dossiers vernietigd{' (proefdraai)' if would else ''}.")


class Command(BaseCommand):
    help = ("Past de bewaartermijnen toe: werkt termijnen bij, waarschuwt de coördinator 30 dagen vooraf en "
            "vernietigt de inhoud van dossiers waarvan de termijn verstreken is. Dagelijks uitvoeren.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Alleen tonen wat er zou gebeuren.")
        parser.add_argument("--today", help="Doe alsof het deze datum is (JJJJ-MM-DD), bijvoorbeeld om te oefenen.")

    def handle(self, *args, dry_run, today, **options):
        result = retention.run(parse_day(today), dry_run=dry_run)
        report(self.stdout, result)
