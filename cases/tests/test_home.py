"""Home per role, what needs me now (issue 14): every item links to the place to act, nothing one may not open."""

from django.urls import reverse

from accounts.roles import Role


def test_the_ib_sees_a_teachers_new_signal_and_the_teacher_the_button(make_case, pupil, people, verified_client,
                                                                    add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    signal = add_entry(case, people[Role.LEERKRACHT])
    ib_home = verified_client(people[Role.IB]).get(reverse("core:home"))
    assert [s.pk for s in ib_home.context["panels"][0].new_signals] == [signal.pk]
    assert reverse("cases:detail", args=[case.reference]) in ib_home.content.decode()
    teacher_home = verified_client(people[Role.LEERKRACHT]).get(reverse("core:home")).content.decode()
    assert reverse("cases:signal", args=[case.school.slug]) in teacher_home
    assert "Zorg over een leerling vastleggen" in teacher_home
    privacy_home = verified_client(people[Role.PRIVACY]).get(reverse("core:home")).content.decode()
    assert pupil.last_name not in privacy_home
