"""Loading the demo town as a background job: the first real user of the job plumbing."""
from app.jobs import job
from app.services.demo import load_demo_town


@job("demo_load")
def demo_load(progress, children=300, seed=2026):
    return load_demo_town(children=children, seed=seed, progress=progress)
