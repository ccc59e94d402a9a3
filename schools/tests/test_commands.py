from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from accounts.models import User
from audit.models import AuditEvent
from schools.models import Pupil

pytestmark = pytest.mark.django_db

PUPILS = ("leerlingnummer;voornaam;achternaam;geboortedatum;groep;ouder1_naam;ouder1_relatie;ouder1_gezag\n"
          "1001;Sanne;de Vries;14-03-2017;5;Petra de Vries;moeder;ja\n"
          "1002;Daan;Jansen;2016-11-02;6;;;\n")


@pytest.fixture
def pupils_file(tmp_path):
    path = tmp_path / "leerlingen.csv"
    path.write_text(PUPILS, encoding="utf-8-sig")
    return path


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_pupils_saves_the_file_and_reports_the_counts(school, pupils_file):
    output = run("import_pupils", str(pupils_file), "--school", school.slug)
    assert "2 toegevoegd, 0 bijgewerkt" in output
    assert Pupil.objects.filter(school=school).count() == 2
    assert AuditEvent.objects.filter(action="schools.pupils_imported", school_id=school.pk, actor_id=None).exists()
    assert "0 toegevoegd, 2 bijgewerkt" in run("import_pupils", str(pupils_file), "--school", school.slug)


def test_a_dry_run_checks_the_file_and_saves_nothing(school, pupils_file):
    output = run("import_pupils", str(pupils_file), "--school", school.slug, "--dry-run")
    assert "Geen fouten gevonden in 2 rijen" in output
    assert not Pupil.objects.exists()


def test_a_file_with_bad_rows_stops_the_command_with_the_row_messages(school, tmp_path):
    path = tmp_path / "fout.csv"
    path.write_text(PUPILS + "1003;Lotte;Smit;31-02-2015;4;;;\n1004;;Bos;01-01-2016;4;;;\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("import_pupils", str(path), "--school", school.slug)
    message = str(raised.value)
    assert "Er is niets opgeslagen." in message
    assert "Rij 4: geboortedatum '31-02-2015' is geen geldige datum." in message
    assert "Rij 5: voornaam ontbreekt." in message
    assert not Pupil.objects.exists()


def test_an_unknown_school_is_refused(db, pupils_file):
    with pytest.raises(CommandError, match="bestaat niet"):
        run("import_pupils", str(pupils_file), "--school", "bestaat-niet")


def test_import_staff_creates_accounts_with_roles(school, tmp_path):
    path = tmp_path / "team.csv"
    path.write_bytes("naam,email,rol,functie\nJosé Peña,jose@example.org,Directie,Directeur\n".encode("cp1252"))
    assert "1 toegevoegd" in run("import_staff", str(path), "--school", school.slug)
    jose = User.objects.get(email="jose@example.org")
    assert jose.full_name == "José Peña"
    assert jose.roles_at(school) == {"directie"}


def test_the_command_exits_non_zero_on_errors(school, tmp_path, capsys):
    path = tmp_path / "team.csv"
    path.write_text("naam;email;rol\nPiet;piet@example.org;concierge\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_staff", str(path), "--school", school.slug, "--dry-run"])
    assert exited.value.code != 0
    assert "Rij 2: rol 'concierge' kennen we niet." in capsys.readouterr().err


def test_a_large_file_shows_progress_on_the_command_line(school, tmp_path, capsys):
    rows = [f"{n};Kind;Nummer {n};01-01-2017;5;;;" for n in range(1, 401)]
    path = tmp_path / "groot.csv"
    path.write_text(PUPILS.splitlines()[0] + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    call_command("import_pupils", str(path), "--school", school.slug, stdout=StringIO())
    assert Pupil.objects.filter(school=school).count() == 400
    progress = capsys.readouterr().err
    assert "Controleren" in progress and "Opslaan" in progress and "/400" in progress
