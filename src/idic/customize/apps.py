from django.apps import AppConfig


class CustomizeConfig(AppConfig):
    name = "idic.customize"
    label = "customize"
    verbose_name = "Customize"
