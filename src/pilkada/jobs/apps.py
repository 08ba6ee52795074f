from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "pilkada.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        # Each app declares its job kinds in a `jobs` module; import them all so that the
        # worker and the pages know every kind.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
