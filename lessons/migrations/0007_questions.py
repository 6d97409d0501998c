"""Engine-written questions on lesson pages: which kinds a lesson asks, and learners' answers."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0006_progress_marks_and_solution_gating"),
    ]

    operations = [
        migrations.AddField(
            model_name="lesson",
            name="questions",
            field=models.CharField(
                blank=True, max_length=200,
                help_text="Kinds of question the engine writes and checks for this lesson, "
                          "separated by spaces: moved-tag, pull-or-not, shared-layers, "
                          "pull-secret, recap."),
        ),
        migrations.CreateModel(
            name="QuestionAnswer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("learner", models.CharField(db_index=True, max_length=64)),
                ("kind", models.CharField(max_length=40)),
                ("number", models.PositiveIntegerField(
                    help_text="The learner's n-th question of this kind.")),
                ("choice", models.CharField(max_length=40)),
                ("correct", models.BooleanField()),
                ("answered_at", models.DateTimeField(auto_now_add=True)),
                ("lesson", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="question_answers",
                                             to="lessons.lesson")),
            ],
            options={
                "ordering": ["answered_at"],
                "constraints": [models.UniqueConstraint(
                    fields=("learner", "lesson", "kind", "number"),
                    name="one_answer_per_question")],
            },
        ),
    ]
