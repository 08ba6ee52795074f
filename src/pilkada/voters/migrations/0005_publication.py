# Reserved for the publication models; filled in by hand with their operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voters", "0004_coklit")]

    operations = []
