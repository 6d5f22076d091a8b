"""Create the first administrator without prompting; a second run leaves it alone."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


def _chinese(error: ValidationError) -> str:
    """Django's zh-hans catalogue lacks the plural of the length message; say it ourselves."""
    if error.code == "password_too_short":
        return f"密码太短，至少需要 {(error.params or {}).get('min_length', 8)} 个字符"
    return "".join(error.messages).rstrip("。.")


class Command(BaseCommand):
    help = (
        "若尚无超级管理员则创建一个（用户名取 ADMIN_USERNAME，默认 admin；"
        "密码取 ADMIN_PASSWORD，否则随机生成并只显示一次）。"
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("已有超级管理员，跳过创建（忘记密码可运行 python manage.py changepassword admin）。")
            return
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        try:
            # The same validators as every password change (AUTH_PASSWORD_VALIDATORS).
            validate_password(password, User(username=username))
        except ValidationError as error:
            reasons = "；".join(_chinese(e) for e in error.error_list)
            raise CommandError(
                f"ADMIN_PASSWORD 不符合密码要求：{reasons}。请换一个更强的密码，或不设置 ADMIN_PASSWORD 以随机生成。"
            ) from None
        User.objects.create_superuser(username=username, email=os.environ.get("ADMIN_EMAIL", ""), password=password)
        if "ADMIN_PASSWORD" in os.environ:
            self.stdout.write(self.style.SUCCESS(f"已创建超级管理员 {username}（密码取自 ADMIN_PASSWORD）。"))
        else:
            self.stdout.write(
                self.style.WARNING(f"已创建超级管理员 {username}，密码：{password}（只显示这一次，请妥善保存）")
            )
