"""Schema building blocks every domain shares: pages, versions, lifecycle action requests."""
