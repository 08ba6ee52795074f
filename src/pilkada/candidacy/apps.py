from django.apps import AppConfig


class CandidacyConfig(AppConfig):
    name = "pilkada.candidacy"
    label = "candidacy"
