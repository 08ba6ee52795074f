from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "pilkada.synth"
    label = "synth"
