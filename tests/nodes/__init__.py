"""Several processes and nodes on one database: the shared rate limit, and two gateways
in network namespaces of their own against one PostgreSQL."""
