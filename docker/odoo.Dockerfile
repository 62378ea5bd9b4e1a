# The official Odoo 18 image plus scipy, which crm_ecommerce's predictions
# (predicted orders, value and probability of being active) need: the image
# ships neither scipy nor numpy. Everything else is the image's own: its
# entrypoint, its command, its volumes and its user.
FROM odoo:18.0
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-scipy \
    && rm -rf /var/lib/apt/lists/*
USER odoo
