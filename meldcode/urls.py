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
    path("informatieverzoeken/", include("inquiries.urls")),
    path("signalen/", include("mysignals.urls")),
    path("bevoegdheden/", include("qualifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Dutch error pages with the emergency numbers (core/errors.py); with DEBUG on, DutchErrorPagesMiddleware.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
