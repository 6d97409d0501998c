from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0007_questions"),
    ]

    operations = [
        migrations.AddField(
            model_name="challenge",
            name="solution_settings",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    "Cluster settings the solution needs, as a learner picks them under Cluster "
                    "settings: the scenario's `learnerSettings:`, e.g. "
                    '{"kubelet.featureGates.KubeletEnsureSecretPulledImages": true}.'
                ),
            ),
        ),
    ]
