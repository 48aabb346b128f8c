"""The scale-out cluster: replicas of every process on PostgreSQL and Redis (docs/deployment.md)."""
