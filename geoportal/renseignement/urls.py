"""URLs of the e-renseignement (agreed with the portal):

- ``/renseignement/?parcel=<reference>`` or ``?lon=&lat=`` (HTML), POST ``outline`` for drawn land
- ``/renseignement/issue`` (POST): issues the official note, then redirects to it
- ``/renseignement/<number>`` the issued note and its verification, ``/renseignement/<number>.pdf``
- ``/renseignement/notes/`` planners' list of issued notes
- ``/renseignement/certificate.pem`` the certificate the PDF notes are signed with
- ``/renseignement/regulations/<document reference>/<zone code>`` the rules of a zone (HTML)
- ``/api/renseignement/?parcel=`` (JSON), POST of a GeoJSON outline in EPSG:4326
- ``/api/renseignement/notes`` (POST) issues a note, ``/api/renseignement/<number>`` reads it back
"""

from django.urls import path, re_path

from geoportal.renseignement import views

app_name = "renseignement"

NUMBER = r"(?P<number>NR-[0-9]{8}-[A-Z0-9]{8})"

urlpatterns = [
    path("renseignement/", views.note_preview, name="note_preview"),
    path("renseignement/issue", views.note_issue, name="note_issue"),
    path("renseignement/notes/", views.note_list, name="note_list"),
    path("renseignement/certificate.pem", views.signing_certificate, name="certificate"),
    path(
        "renseignement/regulations/<str:document>/<str:code>",
        views.regulation_detail,
        name="regulation",
    ),
    re_path(rf"^renseignement/{NUMBER}\.pdf$", views.note_pdf, name="note_pdf"),
    re_path(rf"^renseignement/{NUMBER}$", views.note_detail, name="note_detail"),
    path("api/renseignement/", views.api_note_preview, name="api_note_preview"),
    path("api/renseignement/notes", views.api_note_issue, name="api_note_issue"),
    re_path(rf"^api/renseignement/{NUMBER}$", views.api_note_detail, name="api_note_detail"),
]
