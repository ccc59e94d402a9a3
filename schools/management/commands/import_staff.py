from schools import imports
from schools.events import record_import
from schools.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = ("Medewerkers en hun rollen importeren uit een CSV-bestand (alles of niets). Nieuwe accounts krijgen "
            "geen wachtwoord: zij kiezen er een via 'Wachtwoord vergeten?' op de inlogpagina, of via de link "
            "die de functioneel beheerder hun stuurt.")

    def parse(self, data, progress):
        return imports.parse_staff_csv(data, progress=progress)

    def save(self, school, parsed, progress):
        summary = imports.save_staff(school, parsed, progress=progress)
        record_import(parsed, summary, school=school)
        return summary
