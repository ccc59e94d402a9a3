from django.urls import path

from mysignals import views

app_name = "mysignals"

urlpatterns = [
    path("<slug:school_slug>/", views.own_signals, name="own"),
    path("<slug:school_slug>/<int:entry_id>/", views.own_signal, name="signal"),
]
