from django.urls import include, path

from portal import export_views, views

RESOURCE_PREFIX = "resource/subscriptions/<uuid:subscription_id>/resourceGroups/<str:rg>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("resources/", views.all_resources, name="all_resources"),
    path("resourcegroups/", views.resource_groups, name="resource_groups"),
    path("activitylog/", views.activity_log, name="activity_log"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/dismiss/", views.dismiss_notifications, name="dismiss_notifications"),
    path("networkwatcher/", views.network_watcher, name="network_watcher"),
    path("sandbox/", views.sandbox_settings, name="sandbox_settings"),
    path("sandbox/reset/", views.reset_sandbox, name="reset_sandbox"),
    path("sandbox/era/", views.set_era, name="set_era"),
    path("create/", include("portal.create_urls")),
    path(RESOURCE_PREFIX + "overview", views.resource_group_overview, name="resource_group"),
    path(RESOURCE_PREFIX + "activitylog", views.resource_group_activity_log, name="resource_group_activity"),
    # Before the apps' URLs: the one Export template page every type shares.
    path(
        RESOURCE_PREFIX + "providers/<str:provider>/<str:type_name>/<str:name>/exporttemplate",
        export_views.export_template,
        name="export_template",
    ),
    path(
        RESOURCE_PREFIX + "exporttemplate",
        export_views.resource_group_export_template,
        name="resource_group_export_template",
    ),
    path(
        RESOURCE_PREFIX + "deploytemplate",
        export_views.resource_group_deploy_template,
        name="resource_group_deploy_template",
    ),
    path(RESOURCE_PREFIX + "providers/Microsoft.Web/", include("appservice.urls")),
    # AKS's clusters and the scale sets it makes; what they don't match
    # falls through to networking's patterns.
    path(RESOURCE_PREFIX + "providers/", include("aks.urls")),
    path(RESOURCE_PREFIX + "providers/", include("networking.urls")),
]
