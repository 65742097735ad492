"""The pages: each reads its widgets, calls app/services.py and draws with app/charts; nothing else."""
