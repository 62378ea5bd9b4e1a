# The official Odoo 18 image plus what the test command needs: a browser for
# the tours (Odoo skips them silently without one) and the test packages.
FROM odoo:18.0
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium python3-pip \
    && rm -rf /var/lib/apt/lists/*
COPY tests/requirements.txt /tmp/test-requirements.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /tmp/test-requirements.txt
USER odoo
