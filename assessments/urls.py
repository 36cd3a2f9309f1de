from django.urls import path

from assessments import action_views, release_views, views

app_name = "assessments"

urlpatterns = [
    path("situations/", views.situation_list, name="situations"),
    path("situations/export.csv", views.situations_csv, name="situations_csv"),
    path("situations/export.xlsx", views.situations_xlsx, name="situations_xlsx"),
    path("situations/new/", views.situation_create, name="situation_create"),
    path("situations/<int:pk>/", views.situation_detail, name="situation"),
    path("situations/<int:pk>/edit/", views.situation_edit, name="situation_edit"),
    path("situations/<int:pk>/groups/", views.situation_groups, name="situation_groups"),
    path("situations/<int:pk>/groups/<int:group_pk>/edit/", views.group_edit, name="group_edit"),
    path(
        "situations/<int:pk>/groups/<int:group_pk>/unlink/",
        views.group_unlink,
        name="group_unlink",
    ),
    path("situations/<int:pk>/compare/", views.assessment_compare, name="compare"),
    path("situations/<int:pk>/assessments/new/", views.assessment_start, name="start"),
    path("assessments/<int:pk>/", views.assessment_detail, name="detail"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="submit"),
    path("assessments/<int:pk>/summary/status/", views.summary_status, name="summary_status"),
    path("assessments/<int:pk>/summary/retry/", views.summary_retry, name="summary_retry"),
    path("assessments/<int:pk>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("assessments/<int:pk>/summary.json", views.summary_json, name="summary_json"),
    path("assessments/<int:pk>/decide/", views.assessment_decide, name="decide"),
    path("assessments/<int:pk>/comments/", views.assessment_comment, name="comment"),
    path("assessments/<int:pk>/dissents/", views.assessment_dissent, name="dissent"),
    path("assessments/<int:pk>/recommendations/", views.assessment_respond, name="respond"),
    path("assessments/<int:pk>/export.json", views.assessment_export, name="export"),
    path("assessments/<int:pk>/releasable/", release_views.releasable, name="releasable"),
    path("assessments/<int:pk>/releases/", release_views.releases, name="releases"),
    path("releases/<int:pk>/pdf", release_views.release_pdf, name="release_pdf"),
    path("releases/<int:pk>/json", release_views.release_json, name="release_json"),
    path("actions/<int:pk>/", action_views.action_edit, name="action_edit"),
    path("reviews/", views.review_queue, name="queue"),
    path("watch/heatmap/", views.heatmap, name="heatmap"),
    path("watch/heatmap.csv", views.heatmap_csv, name="heatmap_csv"),
    path("watch/heatmap.xlsx", views.heatmap_xlsx, name="heatmap_xlsx"),
    path("watch/map/", views.world_map, name="map"),
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/open/", views.inbox_open, name="inbox_open"),
    path("notifications/read/", views.inbox_read_all, name="inbox_read_all"),
    path("notifications/email/", views.email_settings, name="email_settings"),
]
