"""ARM JSON in and out: estate templates, their expressions, and deploying
them through each type's ``from_arm`` (the registry's), the services and the
rules, as the blades do."""
