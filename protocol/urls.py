from django.urls import path

from protocol import convert_views, views

app_name = "protocol"

urlpatterns = [
    path("<slug:school_slug>/", views.show, name="show"),
    path("<slug:school_slug>/bestuur/", views.board, name="board"),
    path("<slug:school_slug>/versies/", views.versions, name="versions"),
    path("<slug:school_slug>/verschil/<int:a_id>/<int:b_id>/", views.diff, name="diff"),
    # the converter from the school's own Word/PDF meldcode (issue 18)
    path("<slug:school_slug>/omzetten/", convert_views.upload, name="convert"),
    path("<slug:school_slug>/omzetten/<int:pk>/", convert_views.draft_page, name="convert_draft"),
    path("<slug:school_slug>/omzetten/<int:pk>/beslissen/", convert_views.decide, name="convert_decide"),
    path("<slug:school_slug>/omzetten/<int:pk>/opslaan/", convert_views.store, name="convert_store"),
    path("<slug:school_slug>/omzetten/<int:pk>/sociale-kaart/", convert_views.socialmap_import,
         name="convert_socialmap"),
]
