from django.urls import path

from appservice import views

app_name = "appservice"

SITE = "sites/<str:name>/"
PLAN = "serverFarms/<str:name>/"

urlpatterns = [
    path(SITE + "overview", views.overview, name="overview"),
    path(SITE + "activitylog", views.activity_log, name="activity_log"),
    path(SITE + "restart", views.restart, name="restart"),
    path(SITE + "stop", views.stop, name="stop"),
    path(SITE + "delete", views.delete, name="delete"),
    path(SITE + "swap", views.swap_slots, name="swap"),
    path(SITE + "publishprofile", views.publish_profile, name="publish_profile"),
    path(SITE + "publishprofile/reset", views.reset_publish_profile, name="reset_publish_profile"),
    path(SITE + "browse", views.browse, name="browse"),
    path(SITE + "networking", views.networking, name="networking"),
    path(SITE + "vnetintegration", views.vnet_integration, name="vnet_integration"),
    path(SITE + "vnetintegration/add", views.add_vnet, name="add_vnet"),
    path(SITE + "vnetintegration/add/details", views.add_vnet_details, name="add_vnet_details"),
    path(SITE + "vnetintegration/classic", views.add_classic_vnet, name="add_classic_vnet"),
    path(SITE + "vnetintegration/disconnect", views.disconnect, name="disconnect"),
    path(SITE + "vnetintegration/routeall", views.route_all, name="route_all"),
    path(SITE + "configuration", views.configuration, name="configuration"),
    path(SITE + "configuration/setting", views.app_setting, name="app_setting"),
    path(SITE + "configuration/draft", views.settings_draft, name="settings_draft"),
    path(SITE + "configuration/save", views.save_settings, name="save_settings"),
    path(SITE + "configuration/connectionstring", views.connection_string, name="connection_string"),
    path(SITE + "configuration/advanced", views.advanced_edit, name="advanced_edit"),
    path(SITE + "configuration/general", views.general_settings, name="general_settings"),
    path(SITE + "configuration/pathmappings", views.path_mappings, name="path_mappings"),
    path(SITE + "configuration/defaultdocuments", views.default_documents, name="default_documents"),
    path(SITE + "scaleup", views.scale_up, name="scale_up"),
    path(SITE + "troubleshoot", views.troubleshoot, name="troubleshoot"),
    path(SITE + "console", views.console, name="console"),
    path(PLAN + "overview", views.plan_overview, name="plan_overview"),
    path(PLAN + "scaleup", views.plan_scale_up, name="plan_scale_up"),
]
