from django.urls import path

from cases import views, weigh_walk

app_name = "cases"

urlpatterns = [
    path("<slug:school_slug>/", views.overview, name="overview"),
    path("<slug:school_slug>/zoeken/", views.search, name="search"),
    path("<slug:school_slug>/nieuw/", views.open_case, name="open"),
    path("<slug:school_slug>/signaal/", views.record_signal, name="signal"),
    path("<slug:school_slug>/instellingen/", views.dossier_settings, name="settings"),
    path("d/<str:reference>/", views.detail, name="detail"),
    path("d/<str:reference>/nieuw/<str:kind>/", views.new_entry, name="new_entry"),
    path("d/<str:reference>/afsluiten/", views.decide, {"kind": "closure"}, name="close"),
    path("d/<str:reference>/afwegen/", views.decide, {"kind": "weighing"}, name="weigh"),
    path("d/<str:reference>/afwegen/stap-voor-stap/", weigh_walk.weigh_walk, name="weigh_walk"),
    path("d/<str:reference>/besluit/<str:kind>/", views.decide, name="decide"),
    path("d/<str:reference>/concept/<int:entry_id>/", views.edit_draft, name="edit_draft"),
    path("d/<str:reference>/corrigeren/<int:entry_id>/", views.correct_entry, name="correct"),
    path("d/<str:reference>/ondertekenen/<int:entry_id>/", views.sign, name="sign"),
    path("d/<str:reference>/bijlage/<int:entry_id>/", views.attachment, name="attachment"),
    path("d/<str:reference>/team/", views.team, name="team"),
    path("d/<str:reference>/toegang/", views.break_glass, name="break_glass"),
    path("d/<str:reference>/acuut/", views.acute, name="acute"),
    path("d/<str:reference>/taak/<int:task_id>/klaar/", views.complete_task, name="complete_task"),
]
