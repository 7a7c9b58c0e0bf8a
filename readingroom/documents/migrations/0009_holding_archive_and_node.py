# Documents point to their holding archive's authority record and their level of its hierarchy
# (readingroom.archives); folio order and the node's path for index-driven hierarchy pages.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('archives', '0001_initial'),
        ('documents', '0008_feed_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='holding_archive',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='documents', to='archives.archive'),
        ),
        migrations.AddField(
            model_name='document',
            name='archive_node',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='documents', to='archives.node'),
        ),
        migrations.AddField(
            model_name='document',
            name='archive_tree',
            field=models.CharField(blank=True, default='', editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name='document',
            name='folio_sort',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(fields=['holding_archive', 'status'], name='doc_by_archive'),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(fields=['archive_node', 'folio_sort', 'identifier'], name='doc_by_node'),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(fields=['archive_tree', 'status', 'date_sort'], name='doc_by_archive_tree'),
        ),
    ]
