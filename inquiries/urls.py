from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("<slug:school_slug>/nieuw/", views.new_for_school, name="new_for_school"),
    path("d/<str:reference>/nieuw/", views.new, name="new"),
    path("d/<str:reference>/<int:inquiry_id>/", views.detail, name="detail"),
    path("d/<str:reference>/<int:inquiry_id>/antwoord/", views.answer, name="answer"),
    path("d/<str:reference>/<int:inquiry_id>/ouders-geinformeerd/", views.parents_told, name="parents_told"),
    path("d/<str:reference>/<int:inquiry_id>/pdf/", views.export, name="export"),
]
