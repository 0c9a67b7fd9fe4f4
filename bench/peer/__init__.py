"""A tiny Django project running django-helpdesk for the peer comparison (bench/workloads/peer.py).

It runs only in its own virtual environment (bench/var/peer-venv), never in gongzhi's."""
