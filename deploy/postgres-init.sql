-- Prefect's own database beside Samverkan's (the image's entrypoint runs this once, on an empty volume).
CREATE DATABASE prefect OWNER samverkan;
