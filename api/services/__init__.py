"""The service catalogue (一门办理、一站服务) over GraphQL."""
