"""Working with a Databricks workspace from a laptop: uploading data to a Volume, running the job.

Owns: the SDK client with its own authentication (profiles, environment variables), the
`upload` and `run` commands. These modules never run on Databricks itself and never import
Spark or TensorFlow.

May import: `cli` (argument types), `errors`.
"""
