"""The pipeline's steps as plain functions: the CLI and the Prefect flows both call these."""
# Interface fixed first so flows/ and cli.py can be written against it; bodies follow.
