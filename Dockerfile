# The web app as docker-compose runs it: gunicorn in front of Django.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so editing code does not reinstall them.
COPY pyproject.toml README.md ./
COPY jobboard/__init__.py jobboard/__init__.py
COPY postings/__init__.py postings/__init__.py
RUN pip install .

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py compile_catalogs \
    && useradd --system --home-dir /app jobboard \
    && chown -R jobboard /app

USER jobboard
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py createcachetable && python manage.py import_seeds && exec gunicorn -c gunicorn.conf.py jobboard.wsgi:application"]
