from django.urls import include, path

from portal import export_views, presenter_views, resource_views, views

RESOURCE_PREFIX = "resource/subscriptions/<uuid:subscription_id>/resourceGroups/<str:rg>/"
# A resource of any listed type, for the pages every type has.
ANY_RESOURCE = RESOURCE_PREFIX + "providers/<str:provider>/<str:type_name>/<str:name>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("resources/", views.all_resources, name="all_resources"),
    path("resourcegroups/", views.resource_groups, name="resource_groups"),
    path("activitylog/", views.activity_log, name="activity_log"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/list/", views.notification_list, name="notification_list"),
    path("notifications/dismiss/", views.dismiss_notifications, name="dismiss_notifications"),
    path("directories/", views.directories, name="directories"),
    path("networkwatcher/", views.network_watcher, name="network_watcher"),
    path("learn/", views.labs_page, name="labs_page"),
    path("sandbox/", views.sandbox_settings, name="sandbox_settings"),
    path("sandbox/reset/", views.reset_sandbox, name="reset_sandbox"),
    path("sandbox/newlink/", views.new_sandbox_link, name="new_sandbox_link"),
    path("sandbox/open/<uuid:secret>/", views.open_sandbox, name="open_sandbox"),
    path("sandbox/era/", views.set_era, name="set_era"),
    path("sandbox/annotations/", views.set_annotations, name="set_annotations"),
    path("sandbox/presenter/", presenter_views.set_presenter, name="set_presenter"),
    path("sandbox/presenter/reset/", presenter_views.reset_to_demo, name="reset_to_demo"),
    path("create/", include("portal.create_urls")),
    # Guided labs, scenarios and exams (the labs app, above every other).
    path("labs/", include("labs.urls")),
    # The instructors' side (the classroom app, above the labs).
    path("classroom/", include("classroom.urls")),
    # A learner joins a class at the site's root: /join/ and /join/<code>/.
    path("join/", include("classroom.join_urls")),
    path(RESOURCE_PREFIX + "overview", views.resource_group_overview, name="resource_group"),
    path(RESOURCE_PREFIX + "activitylog", views.resource_group_activity_log, name="resource_group_activity"),
    # Before the apps' URLs: the one Export template page every type shares.
    path(ANY_RESOURCE + "exporttemplate", export_views.export_template, name="export_template"),
    path(ANY_RESOURCE + "users", resource_views.iam, name="resource_iam"),
    path(ANY_RESOURCE + "tags", resource_views.tags_page, name="resource_tags"),
    path(ANY_RESOURCE + "diagnose", resource_views.diagnose, name="resource_diagnose"),
    path(ANY_RESOURCE + "move", resource_views.move, name="resource_move"),
    path(ANY_RESOURCE + "locks", resource_views.locks_page, name="resource_locks"),
    path(ANY_RESOURCE + "locks/add", resource_views.lock_add, name="resource_locks_add"),
    path(ANY_RESOURCE + "locks/<pk:lock>/delete", resource_views.lock_delete, name="resource_locks_delete"),
    path(RESOURCE_PREFIX + "locks", resource_views.group_locks, name="resource_group_locks"),
    path(RESOURCE_PREFIX + "locks/add", resource_views.group_lock_add, name="resource_group_locks_add"),
    path(
        RESOURCE_PREFIX + "locks/<pk:lock>/delete",
        resource_views.group_lock_delete,
        name="resource_group_locks_delete",
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
    # After the apps' URLs: a type's own Activity log page wins; this one
    # serves a type that has none (an App Service plan).
    path(ANY_RESOURCE + "activitylog", resource_views.activity_log, name="resource_activity_log"),
]
