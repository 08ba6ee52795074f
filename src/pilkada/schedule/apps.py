from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "pilkada.schedule"
    label = "schedule"
