"""python manage.py train_classifier — train the request classifier on the database's training data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from classifier.services import TrainingError, train_and_store


class Command(BaseCommand):
    help = "用历史诉求、启用的示例诉求和诉求分类（名称、关键词）训练分类模型，保存为新版本；所有进程约一秒内生效。"

    def handle(self, *args, **options):
        self.stdout.write("训练分类模型 …")
        try:
            version = train_and_store(progress=lambda message: self.stdout.write(f"  {message}"))
        except TrainingError as exc:
            raise CommandError(str(exc)) from exc
        m = version.metrics
        counts = version.training_counts
        self.stdout.write(
            f"  训练数据：历史诉求 {counts.get('history', 0)} 条，示例诉求 {counts.get('examples', 0)} 条，"
            f"分类 {counts.get('categories', 0)} 个"
        )
        if "category_accuracy_cv" in m:
            self.stdout.write(
                f"  五折交叉验证：分类准确率 {m['category_accuracy_cv']:.3f}，前三含正确 {m['category_top3_cv']:.3f}，"
                f"紧急件召回 {m.get('urgent_recall_cv', 0):.3f} / 精确率 {m.get('urgent_precision_cv', 0):.3f}"
            )
        self.stdout.write(self.style.SUCCESS(f"完成：模型版本 {version.label}（用时 {m.get('seconds', '?')} 秒）"))
