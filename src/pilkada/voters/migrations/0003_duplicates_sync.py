# Reserved for the duplicates_sync models; filled in by hand with their operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voters", "0002_voter_register")]

    operations = []
