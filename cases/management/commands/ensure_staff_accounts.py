"""Give every active person in the staff register an admin account (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.accounts import PASSWORD_ENV, ensure_demo_staff, ensure_staff_accounts


class Command(BaseCommand):
    help = "为治理人员名册中没有后台账号的在岗人员创建账号（用户名为手机号），并按角色加入权限组。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="演示区：先为每个部门补一名值班员、补一名区督办人员，使每种角色都能登录。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"]:
            added = ensure_demo_staff()
            self.stdout.write(f"演示人员：新增部门值班员和区督办人员 {added} 名。" if added else "演示人员：无需补充。")
        result = ensure_staff_accounts()
        if not result.created:
            self.stdout.write(f"治理人员账号：无新账号（已有 {result.existing} 个）。")
            return
        roles = "，".join(f"{role} {n}" for role, n in sorted(result.by_role.items()))
        self.stdout.write(f"治理人员账号：新建 {result.created} 个（{roles}），已有 {result.existing} 个。")
        if result.password:
            self.stdout.write(
                self.style.WARNING(
                    f"新账号的初始密码（只显示这一次）：{result.password}\n"
                    f"用户名为各人手机号；也可用环境变量 {PASSWORD_ENV} 指定初始密码。"
                )
            )
        else:
            self.stdout.write(f"新账号的初始密码取自环境变量 {PASSWORD_ENV}。")
