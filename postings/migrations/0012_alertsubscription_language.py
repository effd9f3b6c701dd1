from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0011_apply_and_seat"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertsubscription",
            name="language",
            field=models.CharField(
                default="zh-hans", max_length=10, verbose_name="语言"
            ),
        ),
    ]
