from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "broadcast.web"
    label = "web"
    verbose_name = "Bàn biên tập"
