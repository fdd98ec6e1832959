"""The collaboration process as data: definitions, their validation, and substance requirements."""
