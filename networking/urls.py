from django.urls import path

from networking import views

app_name = "networking"

urlpatterns = [
    path("<str:provider>/virtualNetworks/<str:name>/overview", views.vnet_overview, name="vnet_overview"),
    path("<str:provider>/virtualNetworks/<str:name>/subnets", views.vnet_subnets, name="vnet_subnets"),
    path("<str:provider>/virtualNetworks/<str:name>/activitylog", views.vnet_activity_log, name="vnet_activity"),
]
urlpatterns += [
    path("<str:provider>/<str:type_name>/<str:name>/overview", views.resource_overview, name="resource_overview"),
]
