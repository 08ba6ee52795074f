# Reserved for the moves models; filled in by hand with their operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voters", "0006_dukcapil")]

    operations = []
