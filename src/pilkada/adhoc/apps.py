from django.apps import AppConfig


class AdhocConfig(AppConfig):
    name = "pilkada.adhoc"
    label = "adhoc"
