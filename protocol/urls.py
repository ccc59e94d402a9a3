from django.urls import path

from protocol import views

app_name = "protocol"

urlpatterns = [
    path("<slug:school_slug>/", views.show, name="show"),
    path("<slug:school_slug>/bestuur/", views.board, name="board"),
    path("<slug:school_slug>/versies/", views.versions, name="versions"),
    path("<slug:school_slug>/verschil/<int:a_id>/<int:b_id>/", views.diff, name="diff"),
]
