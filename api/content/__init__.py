"""Public reference content: departments, request categories, time limits and policy documents."""
