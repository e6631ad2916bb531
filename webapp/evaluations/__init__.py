"""Evaluating prompt versions against each other and across datasets: the compare page, the
transfer matrix, and the actions that launch evaluation jobs from them and from a version's page.

It stands above `prompts` and `jobs`: it reads versions and their evaluations, and launches
evaluation jobs (webapp.jobs.evaluations).
"""
