from django.apps import AppConfig


class VotersConfig(AppConfig):
    name = "pilkada.voters"
    label = "voters"
