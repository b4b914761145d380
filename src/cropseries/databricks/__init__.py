"""Working with a Databricks workspace from a laptop: uploading data to a Volume, running the job.

These modules use the databricks-sdk and its own authentication (profiles, environment
variables); they never run on Databricks itself and never import Spark or TensorFlow.
"""
