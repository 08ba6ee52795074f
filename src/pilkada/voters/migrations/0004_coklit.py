# Reserved for the coklit models; filled in by hand with their operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voters", "0003_duplicates_sync")]

    operations = []
