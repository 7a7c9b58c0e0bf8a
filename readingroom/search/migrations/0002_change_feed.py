import readingroom.search.models
from django.db import migrations, models


def existing_rows(apps, schema_editor):
    """Rows queued before the feed had positions are applied first (txid 0) on PostgreSQL."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("UPDATE search_indexqueue SET txid = 0 WHERE txid IS NULL")


class Migration(migrations.Migration):

    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.AddField(model_name="indexqueue", name="origin",
                            field=models.CharField(blank=True, db_default="", default="", max_length=40)),
        migrations.AddField(model_name="indexqueue", name="txid",
                            field=models.BigIntegerField(blank=True, db_default=readingroom.search.models.CurrentTxid(),
                                                         db_index=True, null=True)),
        migrations.RunPython(existing_rows, migrations.RunPython.noop),
        migrations.CreateModel(
            name="SearchNode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=300, unique=True)),
                ("position", models.BigIntegerField(default=0)),
                ("seen_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
