FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The image is production: manage.py and celery load the production settings, and the local
# ones (DEBUG, a known secret key) refuse to (config/environment.py).
ENV DJANGO_ENV=production DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
# The exact, hash-checked versions of requirements.lock first (a layer of its own), then the
# project itself without resolving anything again.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && DJANGO_SETTINGS_MODULE=config.settings.base \
       python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
