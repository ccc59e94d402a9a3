from schools import imports
from schools.events import record_import
from schools.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Leerlingen met hun ouders/verzorgers importeren uit een CSV-bestand (alles of niets)."

    def parse(self, data, progress):
        return imports.parse_pupils_csv(data, progress=progress)

    def save(self, school, parsed, progress):
        summary = imports.save_pupils(school, parsed, progress=progress)
        record_import(parsed, summary, school=school)
        return summary
