from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("account/", include("accounts.urls")),
    path("scholen/", include("schools.urls")),
    path("meldcode/", include("protocol.urls")),
    path("sociale-kaart/", include("socialmap.urls")),
    path("dossiers/", include("cases.urls")),
    path("audit/", include("audit.urls")),
    path("documenten/", include("documents.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
