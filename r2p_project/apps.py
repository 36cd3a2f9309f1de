from django.contrib.admin.apps import AdminConfig


class R2PAdminConfig(AdminConfig):
    default_site = "r2p_project.admin.R2PAdminSite"
