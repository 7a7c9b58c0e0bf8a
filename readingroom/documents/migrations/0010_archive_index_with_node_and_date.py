# doc_by_archive also serves an archive's own documents (no finer level) in date order, and its date range
# from the index alone (bench/archive_pages.py at 1M documents).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0009_holding_archive_and_node'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='document', name='doc_by_archive'),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(
                fields=['holding_archive', 'status', 'archive_node', 'date_sort', 'identifier'], name='doc_by_archive'
            ),
        ),
    ]
