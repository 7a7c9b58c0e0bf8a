"""People and what they may do: the roles (Django groups with permissions) and login protection."""
