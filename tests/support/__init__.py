"""Plain helpers for tests, one module per topic (accounts, browser, jobs, waiting, predictions,
data_problems, toy_reviews, processes, proxy). conftest.py files hold fixtures and pytest hooks
only; objects made through the services (datasets, prompt versions, tokens) are in tests/factories.py."""
