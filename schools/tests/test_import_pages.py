import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from schools.models import Pupil

pytestmark = pytest.mark.django_db

PUPILS = ("leerlingnummer;voornaam;achternaam;geboortedatum;groep;ouder1_naam;ouder1_relatie;ouder1_gezag;"
          "ouder1_telefoon;ouder1_email\n"
          "1001;Sanne;de Vries;14-03-2017;5;Petra de Vries;moeder;ja;0612345678;petra@example.org\n"
          "1002;Daan;Jansen;02-11-2016;6;Kees Jansen;vader;nee;;\n")


def upload(client, url, text, name="leerlingen.csv", encoding="utf-8"):
    return client.post(url, {"action": "preview", "file": SimpleUploadedFile(name, text.encode(encoding), "text/csv")})


def test_uploading_shows_a_preview_and_saves_nothing_until_confirmed(school, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("schools:import_pupils", args=[school.slug])
    preview = upload(client, url, PUPILS)
    assert preview.status_code == 200
    assert "Sanne de Vries" in preview.text and "Bevestigen en opslaan" in preview.text
    assert not Pupil.objects.exists()

    done = client.post(url, {"action": "confirm"})
    assert done.url == reverse("schools:pupils", args=[school.slug])
    assert set(Pupil.objects.filter(school=school).values_list("student_number", flat=True)) == {"1001", "1002"}
    event = AuditEvent.objects.get(action="schools.pupils_imported")
    assert event.school_id == school.pk and event.actor_id == people[Role.IB].pk


def test_a_file_with_errors_names_each_bad_row_and_cannot_be_confirmed(school, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    url = reverse("schools:import_pupils", args=[school.slug])
    bad = PUPILS + "1003;;Bakker;31-02-2015;4;;;;;\n1001;Tim;Visser;01-01-2016;4;;;;;\n"
    response = upload(client, url, bad)
    assert response.status_code == 400
    assert "Rij 4: voornaam ontbreekt." in response.text
    assert "Rij 4: geboortedatum &#x27;31-02-2015&#x27; is geen geldige datum." in response.text
    assert "Rij 5: leerlingnummer &#x27;1001&#x27; staat ook al op rij 2." in response.text
    assert "Bevestigen en opslaan" not in response.text

    client.post(url, {"action": "confirm"})
    assert not Pupil.objects.exists()


def test_a_failed_upload_discards_an_earlier_preview(school, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("schools:import_pupils", args=[school.slug])
    upload(client, url, PUPILS)
    upload(client, url, PUPILS + "1003;;;;;\n")
    client.post(url, {"action": "confirm"})
    assert not Pupil.objects.exists()


def test_the_preview_waits_in_the_session_not_on_disk(school, people, verified_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = verified_client(people[Role.IB])
    upload(client, reverse("schools:import_pupils", args=[school.slug]), PUPILS)
    stored = client.session[f"schools.import.pupils.{school.pk}"]
    assert [row["student_number"] for row in stored["rows"]] == ["1001", "1002"]
    assert list(tmp_path.iterdir()) == []


def test_a_comma_separated_windows_file_is_imported(school, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("schools:import_pupils", args=[school.slug])
    text = PUPILS.replace(";", ",").replace("Sanne", "Zoë")
    assert upload(client, url, text, encoding="cp1252").status_code == 200
    client.post(url, {"action": "confirm"})
    assert Pupil.objects.get(student_number="1001").first_name == "Zoë"


def test_reimporting_through_the_web_updates_pupils_and_the_preview_says_so(school, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("schools:import_pupils", args=[school.slug])
    upload(client, url, PUPILS)
    client.post(url, {"action": "confirm"})
    preview = upload(client, url, PUPILS.replace("14-03-2017;5", "14-03-2017;6"))
    assert preview.text.count("<span class=\"badge\">bijgewerkt</span>") == 2
    client.post(url, {"action": "confirm"})
    assert Pupil.objects.count() == 2
    assert Pupil.objects.get(student_number="1001").group == "6"


def test_confirming_without_a_preview_saves_nothing(school, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("schools:import_pupils", args=[school.slug]), {"action": "confirm"}, follow=True)
    assert "Er staat geen gecontroleerd bestand klaar" in response.text
    assert not Pupil.objects.exists()


def test_a_preview_at_one_school_cannot_be_confirmed_at_another(school, other_school, people, make_user,
                                                                verified_client):
    from accounts.models import Membership

    ib = people[Role.IB]
    Membership.objects.create(user=ib, school=other_school, role=Role.IB)
    client = verified_client(ib)
    upload(client, reverse("schools:import_pupils", args=[school.slug]), PUPILS)
    client.post(reverse("schools:import_pupils", args=[other_school.slug]), {"action": "confirm"})
    assert not Pupil.objects.exists()


def test_a_beheerder_imports_staff_who_then_have_no_password_yet(school, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    url = reverse("schools:import_staff", args=[school.slug])
    text = "naam;email;rol;functie\nIngrid Bakker;ingrid@example.org;Intern begeleider;IB'er\n"
    preview = upload(client, url, text, name="team.csv")
    assert "ingrid@example.org" in preview.text and "nieuw" in preview.text
    confirmed = client.post(url, {"action": "confirm"}, follow=True)
    assert "gaan pas in als iemand van de directie ze bevestigt" in confirmed.text
    ingrid = User.objects.get(email="ingrid@example.org")
    assert not ingrid.has_usable_password()
    assert ingrid.roles_at(school) == set()  # the intern begeleider role waits for the directie
    assert ingrid.pending_roles.get().role == "ib"


def test_a_staff_file_with_an_unknown_role_or_bad_address_changes_nothing(school, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    url = reverse("schools:import_staff", args=[school.slug])
    text = ("naam;email;rol\nIngrid Bakker;ingrid@example.org;ib\nPiet;piet.example.org;leerkracht\n"
            "Kees;kees@example.org;concierge\n")
    response = upload(client, url, text, name="team.csv")
    assert response.status_code == 400
    assert "Rij 3: email &#x27;piet.example.org&#x27; is geen geldig e-mailadres." in response.text
    assert "Rij 4: rol &#x27;concierge&#x27; kennen we niet." in response.text
    client.post(url, {"action": "confirm"})
    assert not User.objects.filter(email="ingrid@example.org").exists()


def test_an_upload_that_is_too_large_is_refused(school, people, verified_client, monkeypatch):
    from schools import forms

    monkeypatch.setattr(forms, "MAX_IMPORT_BYTES", 100)
    client = verified_client(people[Role.IB])
    response = upload(client, reverse("schools:import_pupils", args=[school.slug]), PUPILS)
    assert response.status_code == 400
    assert "Het bestand is te groot" in response.text
