from django.urls import path

from documents import access_requests, views

app_name = "documents"

urlpatterns = [
    path("d/<str:reference>/inzage/", views.inspection_review, name="inspection"),
    path("d/<str:reference>/inzageverzoek/", access_requests.register, name="access_request"),
    path("d/<str:reference>/inzageverzoek/<int:request_id>/verlengen/", access_requests.extend,
         name="access_request_extend"),
    path("d/<str:reference>/inzage/<int:inspection_id>/", views.inspection_preview, name="inspection_preview"),
    path("d/<str:reference>/overdracht/<int:entry_id>/", views.handover, name="handover"),
    path("d/<str:reference>/<slug:document>/", views.case_document, name="case_document"),
    path("export/<int:job_id>/", views.job, name="job"),
    path("export/<int:job_id>/download/", views.download, name="download"),
    path("evaluatie/<str:scope>/<slug:slug>/", views.evaluation_page, name="evaluation"),
    path("evaluatie/<str:scope>/<slug:slug>/csv/", views.evaluation_csv, name="evaluation_csv"),
    path("evaluatie/<str:scope>/<slug:slug>/pdf/", views.evaluation_pdf, name="evaluation_pdf"),
    path("scholing/<slug:school_slug>/", views.training, name="training"),
    path("scholing/<slug:school_slug>/<int:record_id>/", views.training_edit, name="training_edit"),
]
