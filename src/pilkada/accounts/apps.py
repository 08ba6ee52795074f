from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pilkada.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
