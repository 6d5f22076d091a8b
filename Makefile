# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The rules engine (durable-rules 2.0.28) imports on CPython 3.11 and 3.12 only.
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] < (3,13)))'; then echo $$p; break; fi; done)

.PHONY: help venv install install-dev browser-deps migrate demo run worker test test-quick test-postgres lint check-migrations format bench search-eval routing-eval check-deploy reliability clean

help:
	@echo "make run    — 安装依赖、迁移数据库、载入演示数据，在 http://$(HOST):$(PORT)/ 启动网站和后台任务"
	@echo "make test   — 运行全部测试"
	@echo "make lint   — ruff 代码检查；make bench — 基准测试；make search-eval — 搜索评测；make routing-eval — 派单评测"
	@echo "make browser-deps — 浏览器测试所需的 chromium、中文字体、axe-core 和 playwright（make test 会先执行）"

$(VENV)/.python-ok:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "错误：需要 Python 3.11 或 3.12（规则引擎 durable-rules 不支持 3.13 及以上）。"; \
	  echo "请安装 python3.12 或 python3.11 后重试，或用 PYTHON=/path/to/python3.12 make run 指定。"; exit 1; fi
	@echo "使用 $$($(PYTHON) --version)（$(PYTHON)）创建虚拟环境 $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: requirements.txt constraints.txt $(VENV)/.python-ok
	$(VENV)/bin/pip install -q -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt constraints.txt $(VENV)/.installed
	$(VENV)/bin/pip install -q -r requirements-dev.txt -c constraints.txt
	@touch $@

venv install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Browser tests (tests/e2e/): Debian's chromium and CJK fonts, axe-core from npm, playwright from
# requirements-dev.txt. Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
# Without root or apt-get the packages are named and the browser tests skip.
BROWSER_DEBS := chromium fonts-noto-cjk

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "未找到 npm：无法安装 axe-core，浏览器测试（tests/e2e）将跳过。请安装 Node.js 和 npm（Debian：apt-get install -y nodejs npm）。"; fi

browser-deps: install-dev node_modules/.installed
	@missing=$$(for p in $(BROWSER_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || printf ' %s' $$p; done); \
	if [ -z "$$missing" ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "安装浏览器测试所需的 Debian 软件包：$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
	    --no-install-recommends $$missing; \
	else \
	  echo "缺少 Debian 软件包$$missing，浏览器测试（tests/e2e）将跳过。安装：sudo apt-get install -y$$missing"; fi

migrate: install
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	$(PY) manage.py ensure_admin
	$(PY) manage.py import_reference --only-if-empty
	$(PY) manage.py ensure_staff_accounts --demo
	$(PY) manage.py seed_calendar
	$(PY) manage.py setup_notices
	$(PY) manage.py search_index --rebuild

run: demo
	@echo "网站：http://$(HOST):$(PORT)/   管理后台：http://$(HOST):$(PORT)/admin/   GraphQL：http://$(HOST):$(PORT)/graphql/"
	@echo "健康检查：http://$(HOST):$(PORT)/readyz   监控指标：http://$(HOST):$(PORT)/metrics"
	@echo "按 Ctrl-C 同时停止网站和后台任务；任一进程意外退出会自动重启。"
	$(PY) manage.py supervise --bind $(HOST):$(PORT)

worker: install
	$(PY) manage.py task_worker --interval 1

test: browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# The edit-and-rerun loop: no browser and no second-process tests (CI runs them all through make test).
test-quick: install-dev
	$(PY) -m pytest -m 'not e2e and not slow_subprocess' $(PYTEST_ARGS)

test-postgres: browser-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	@for f in tests/bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# Faults under load on PostgreSQL (its own database, RELIABILITY_DATABASE_URL); see tests/reliability/run.py.
RELIABILITY_CASES ?= 1000
reliability: install
	$(PY) tests/reliability/run.py --cases $(RELIABILITY_CASES) $(RELIABILITY_ARGS)

search-eval: install
	$(PY) -m search.evaluate

routing-eval: install
	$(PY) -m rules.evaluate

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$${SECRET_KEY:-check-deploy-$$RANDOM-not-a-real-secret-but-long-enough-for-django} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-example.org} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var db.sqlite3* node_modules test-artifacts
